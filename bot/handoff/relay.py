"""Staff → patient: coordinator messages and handoff notices through Rasa's HTTP API.

The console never talks to a channel itself. It asks the Rasa server (started
with ``--enable-api --auth-token $RASA_TOKEN``) to add a bot message to the
conversation with ``execute_side_effects=true``, so the message is stored in
the conversation (the transcript) *and* sent by the patient's own channel's
``OutputChannel`` (``InputChannel.get_output_channel()``): the widget emits it
to the session's room (through Redis to whichever Rasa replica holds the
socket), and WhatsApp/Twilio will send it through their own APIs. Nothing in
this module knows which channel a conversation uses.

State changes of the handoff (a coordinator joined, left, finished; no one
has claimed the ticket yet; the data was erased) are *triggered intents*
(``EXTERNAL_handoff_*``), so the bot's own actions change the dialogue state
and send the patient-facing texts by name from the domain.

The HTTP client is injected (:class:`HttpClient`), so tests point the relay at
the real Rasa server or at a local fake, and a channel that needs another
transport can bring its own.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Protocol
from urllib.parse import quote, urlencode

logger = logging.getLogger(__name__)

#: ``output_channel=latest``: Rasa picks the channel the patient last wrote on.
LATEST = "latest"
FROM_COORDINATOR = "coordinator"
MAX_STAFF_MESSAGE_CHARS = 4000

EXTERNAL_CLAIMED = "EXTERNAL_handoff_claimed"
EXTERNAL_RELEASED = "EXTERNAL_handoff_released"
EXTERNAL_FINISHED = "EXTERNAL_handoff_finished"
EXTERNAL_UNCLAIMED = "EXTERNAL_handoff_unclaimed"
EXTERNAL_ERASED = "EXTERNAL_erasure_done"
#: The entity carrying the coordinator's display name in those intents.
NAME_ENTITY = "coordinator_name"


@dataclass(frozen=True)
class HttpResult:
    """An HTTP response: status and parsed JSON body (``None`` if not JSON)."""

    status: int
    body: Any


class HttpClient(Protocol):
    """What the relay needs from an HTTP client."""

    async def request(
        self,
        method: str,
        url: str,
        *,
        json_body: Any = None,
        data: Optional[bytes] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: float = 10.0,
    ) -> HttpResult:
        """Send one request (a JSON body, or raw bytes).

        Raises ``OSError`` (or a subclass, e.g. ``ConnectionError``) or
        ``TimeoutError`` when the server cannot be reached.
        """
        ...  # pragma: no cover - protocol


class AiohttpClient:
    """:class:`HttpClient` over one ``aiohttp.ClientSession`` (made on first use)."""

    def __init__(self) -> None:
        self._session: Any = None

    async def request(
        self,
        method: str,
        url: str,
        *,
        json_body: Any = None,
        data: Optional[bytes] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: float = 10.0,
    ) -> HttpResult:
        """Send one request with a total timeout."""
        import asyncio

        import aiohttp

        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        try:
            async with self._session.request(
                method,
                url,
                json=json_body if data is None else None,
                data=data,
                headers=dict(headers or {}),
                timeout=aiohttp.ClientTimeout(total=timeout),
                allow_redirects=False,
            ) as resp:
                raw = await resp.read()
        except asyncio.TimeoutError as error:
            raise TimeoutError("timed out") from error
        except aiohttp.ClientError as error:
            raise ConnectionError(f"{type(error).__name__}") from error
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        return HttpResult(resp.status, body)

    async def close(self) -> None:
        """Close the underlying session."""
        if self._session is not None:
            await self._session.close()
            self._session = None


class RelayError(RuntimeError):
    """Rasa could not be reached or refused the request (the message says which)."""


def coordinator_event(
    text: str, name: str, at: Optional[float] = None
) -> Dict[str, Any]:
    """The ``bot`` event of a coordinator's message (see widget_messages).

    >>> coordinator_event("Hello", "Anna", at=1.0)["metadata"]
    {'from': 'coordinator', 'name': 'Anna'}
    """
    clean = text.strip()
    if not clean:
        raise ValueError("empty message")
    if len(clean) > MAX_STAFF_MESSAGE_CHARS:
        raise ValueError(
            f"messages are limited to {MAX_STAFF_MESSAGE_CHARS} characters"
        )
    return {
        "event": "bot",
        "text": clean,
        "timestamp": time.time() if at is None else at,
        "metadata": {"from": FROM_COORDINATOR, "name": " ".join(name.split())[:80]},
    }


class RasaRelay:
    """Sends coordinator messages and handoff notices through Rasa's HTTP API.

    Args:
        base_url: the Rasa server as the console reaches it (``RASA_URL``).
        token: Rasa's ``--auth-token`` (``RASA_TOKEN``).
        client: the HTTP client (:class:`AiohttpClient` by default).
        timeout: seconds per request.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        client: Optional[HttpClient] = None,
        timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.client: HttpClient = client or AiohttpClient()
        self.timeout = timeout

    def _url(self, sender_id: str, tail: str, **params: str) -> str:
        # Rasa's route takes the id as a path; quote everything but ':' so a
        # namespaced id such as "web:…" stays readable and '/' cannot escape.
        path = f"/conversations/{quote(sender_id, safe=':')}/{tail}"
        query = urlencode({**params, "token": self._token})
        return f"{self.base_url}{path}?{query}"

    async def _post(self, url: str, body: Any, what: str) -> Any:
        try:
            result = await self.client.request(
                "POST", url, json_body=body, timeout=self.timeout
            )
        except (OSError, TimeoutError) as error:
            raise RelayError(
                f"{what}: Rasa unreachable ({type(error).__name__})"
            ) from None
        if not 200 <= result.status < 300:
            raise RelayError(f"{what}: Rasa answered {result.status}")
        return result.body

    async def append_events(
        self,
        sender_id: str,
        events: List[Mapping[str, Any]],
        *,
        output_channel: str = LATEST,
        execute_side_effects: bool = True,
    ) -> Any:
        """Append events to the conversation (and send its bot messages)."""
        url = self._url(
            sender_id,
            "tracker/events",
            execute_side_effects="true" if execute_side_effects else "false",
            output_channel=output_channel,
            include_events="NONE",
        )
        return await self._post(url, list(events), "append events")

    async def trigger(
        self,
        sender_id: str,
        intent: str,
        entities: Optional[Mapping[str, str]] = None,
        *,
        output_channel: str = LATEST,
    ) -> Any:
        """Trigger an (invisible) intent: the bot's rules and actions answer it."""
        url = self._url(
            sender_id,
            "trigger_intent",
            output_channel=output_channel,
            include_events="NONE",
        )
        body = {"name": intent, "entities": dict(entities or {})}
        return await self._post(url, body, f"trigger {intent}")

    async def send_staff_message(
        self, sender_id: str, text: str, staff_name: str
    ) -> None:
        """Send a coordinator's message to the patient on their own channel."""
        await self.append_events(sender_id, [coordinator_event(text, staff_name)])

    async def joined(self, sender_id: str, staff_name: str) -> None:
        """A coordinator claimed the ticket: the bot stops answering and says so.

        A screening form the patient was in is ended first (its answers stay
        in the conversation), so that the coordinator's conversation is not
        interrupted by the form's next question.
        """
        await self.append_events(
            sender_id,
            [
                {"event": "active_loop", "name": None},
                {"event": "slot", "name": "requested_slot", "value": None},
            ],
            execute_side_effects=False,
        )
        await self.trigger(sender_id, EXTERNAL_CLAIMED, {NAME_ENTITY: staff_name})

    async def released(self, sender_id: str, staff_name: str) -> None:
        """The coordinator put the ticket back in the queue: the bot answers again."""
        await self.trigger(sender_id, EXTERNAL_RELEASED, {NAME_ENTITY: staff_name})

    async def finished(self, sender_id: str, staff_name: str) -> None:
        """The coordinator resolved the ticket: the patient is told; the bot is back."""
        await self.trigger(sender_id, EXTERNAL_FINISHED, {NAME_ENTITY: staff_name})

    async def unclaimed(self, sender_id: str) -> None:
        """Nobody has claimed the ticket in time: offer a call back."""
        await self.trigger(sender_id, EXTERNAL_UNCLAIMED)

    async def erased(self, sender_id: str, channel: str) -> None:
        """Tell the patient their data was deleted.

        The conversation no longer exists, so the channel is named explicitly
        (there is no "latest" one), and a new session is started without the
        greeting before the bot's action says it.
        """
        await self.append_events(
            sender_id,
            [
                {"event": "session_started"},
                {"event": "action", "name": "action_listen"},
            ],
            execute_side_effects=False,
            output_channel=channel,
        )
        await self.trigger(sender_id, EXTERNAL_ERASED, output_channel=channel)

    async def active_loop(self, sender_id: str) -> Optional[str]:
        """The form the patient is in right now, if any (None when not)."""
        url = self._url(sender_id, "tracker", include_events="NONE")
        try:
            result = await self.client.request("GET", url, timeout=self.timeout)
        except (OSError, TimeoutError) as error:
            raise RelayError(
                f"read tracker: Rasa unreachable ({type(error).__name__})"
            ) from None
        if result.status != 200 or not isinstance(result.body, dict):
            raise RelayError(f"read tracker: Rasa answered {result.status}")
        loop = result.body.get("active_loop") or {}
        return loop.get("name") if isinstance(loop, dict) else None
