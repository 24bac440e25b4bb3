"""A response to send, by name: what the screening's pure code returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class Reply:
    """A response of ``data/responses/``, by name, with its template variables."""

    response: str
    variables: Mapping[str, Any] = field(default_factory=dict)
