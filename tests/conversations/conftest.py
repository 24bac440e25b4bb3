"""The product's three processes on free ports, for conversations over REST."""

from __future__ import annotations

from typing import Iterator

import pytest

from bot.console.devservers import ServerSet
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="session")
def rest_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerSet]:
    model = PROJECT_ROOT / "models" / "cryo.tar.gz"
    if not model.exists():
        pytest.fail(f"{model} does not exist: run `make train` first")
    servers = ServerSet(model=model, var_dir=tmp_path_factory.mktemp("rest-var"))
    servers.start()
    yield servers
    servers.stop()
