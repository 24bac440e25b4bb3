"""What the outbox sender needs from a WhatsApp provider, and how sends fail.

A provider (Meta's Graph API, Twilio) sends one rendered part or one template
to a number and returns the provider's message id, or raises
:class:`ProviderError` saying whether trying again can help:

* ``retryable``: throttling (Meta 130429 throughput, 131056 pair rate limit,
  HTTP 429), the provider's own faults (5xx), a connection that never opened;
* ``outcome_unknown``: the request may have arrived (a timeout): the sender
  waits for the provider's status callback before sending it again;
* ``window_closed``: the 24-hour window closed (Meta 131047, Twilio 63016);
* anything else is permanent (bad token, bad parameter): no retry, staff told.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Protocol, Sequence


class ProviderError(Exception):
    """A send that did not succeed. ``code`` never contains message text."""

    def __init__(
        self,
        code: str,
        *,
        retryable: bool = False,
        outcome_unknown: bool = False,
        window_closed: bool = False,
        retry_after: Optional[float] = None,
    ) -> None:
        super().__init__(code)
        self.code = code[:120]
        self.retryable = retryable or outcome_unknown
        self.outcome_unknown = outcome_unknown
        self.window_closed = window_closed
        self.retry_after = retry_after


@dataclass(frozen=True)
class Downloaded:
    """A file fetched from the provider."""

    data: bytes
    content_type: str = ""


class MediaUnavailable(Exception):
    """The file could not be fetched (expired link, gone, refused)."""


class MediaTooLarge(Exception):
    """The file is larger than the cap (the download was stopped)."""


class Provider(Protocol):
    """One WhatsApp provider, as the outbox sender uses it."""

    #: The input channel name whose conversations this provider serves.
    channel: str

    async def send(self, to: str, part: Mapping[str, Any], outbox_id: int) -> str:
        """Send one rendered part; return the provider's message id."""

    async def send_template(
        self, to: str, parameters: Sequence[str], outbox_id: int
    ) -> str:
        """Send the configured window template; return the provider's id."""

    @property
    def has_template(self) -> bool:
        """Whether a window template is configured."""
