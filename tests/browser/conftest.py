"""Browser tests of the website widget against the real servers.

One set of processes for the whole session (action server, Rasa with
``models/cryo.tar.gz``, console) on free ports with data in a temporary
directory, and one headless Debian Chromium driven by Playwright. Screenshots
go to ``test-output/screenshots/`` for review.

``--widget-model PATH`` runs the suite against another model (development).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, List

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from bot.console.devservers import CHROMIUM, CHROMIUM_ARGS, ServerSet  # noqa: E402
from bot.settings import PROJECT_ROOT

# Every expect() waits for its condition up to this long (Playwright's default,
# 5 s, fails by chance on a busy machine; a passing check returns at once).
expect.set_options(timeout=30_000)

#: The two screens every layout test runs on: a cheap phone and a small laptop.
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
DESKTOP = LAPTOP
SIZES = {
    "phone": {
        "viewport": PHONE,
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    "laptop": {"viewport": LAPTOP},
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--widget-model",
        default=None,
        help="model for the widget browser tests (default models/cryo.tar.gz)",
    )


@pytest.fixture(scope="session")
def servers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerSet]:
    option = request.config.getoption("--widget-model", default=None)
    model = Path(option) if option else PROJECT_ROOT / "models" / "cryo.tar.gz"
    if not model.exists():
        pytest.fail(f"{model} does not exist: run `make train` first")
    servers = ServerSet(
        model=model,
        var_dir=tmp_path_factory.mktemp("widget-var"),
        # Coordinators are "in" whatever the clock says (the handoff tests
        # start their own servers for the closed case).
        extra_env={"HANDOFF_OPENING_HOURS": "always", "CONSOLE_POLL_MS": "200"},
    )
    servers.start()
    yield servers
    servers.stop()


# Per module, not per session: Playwright's sync API keeps an event loop
# running in this thread while it is started, which would break asyncio.run()
# in every test module collected after this folder.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run `make browser`")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _page(browser: Browser, size: str) -> Iterator[Page]:
    context = browser.new_context(**SIZES[size])
    page = context.new_page()
    errors: List[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(browser: Browser, servers: ServerSet) -> Iterator[Page]:
    """A laptop (1366x768)."""
    yield from _page(browser, "laptop")


@pytest.fixture
def phone_page(browser: Browser, servers: ServerSet) -> Iterator[Page]:
    """A phone: 390x844, touch, device scale factor 2."""
    yield from _page(browser, "phone")


@pytest.fixture(params=sorted(SIZES))
def size(request: pytest.FixtureRequest) -> str:
    """``"laptop"`` or ``"phone"``: tests using it run once on each."""
    return str(request.param)


@pytest.fixture
def sized_page(browser: Browser, servers: ServerSet, size: str) -> Iterator[Page]:
    """The same test on the laptop and on the phone (the ``size`` fixture)."""
    yield from _page(browser, size)
