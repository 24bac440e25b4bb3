"""A small client of Meta's Graph API for WhatsApp (aiohttp; base URL injected).

Endpoints used (Cloud API reference):

* ``POST /{version}/{phone-number-id}/messages``: send a message (text,
  interactive, image, template), or mark a received message as read
  (``{"status": "read", "message_id": …}``);
* ``GET /{version}/{media-id}``: a media file's short-lived URL, type, size and
  SHA-256;
* ``GET <that URL>`` with the same bearer token: the file itself.

Errors come back as ``{"error": {"message", "type", "code", "error_subcode",
"fbtrace_id", "error_data": {...}}}`` and are turned into
:class:`~bot.channels.whatsapp.provider.ProviderError` without their message
(it can quote what was sent). Tests and the development sandbox point
``api_base`` at a local stand-in (:mod:`bot.channels.whatsapp.standins`).
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, Mapping, Optional, Sequence

import aiohttp

from bot.channels.whatsapp import meta_payloads
from bot.channels.whatsapp.config import MetaConfig, TemplateConfig
from bot.channels.whatsapp.provider import (
    Downloaded,
    MediaTooLarge,
    MediaUnavailable,
    ProviderError,
)

#: Throttling and transient errors worth another try (Cloud API error codes).
RETRYABLE_CODES = frozenset(
    {1, 2, 4, 17, 341, 613, 80007, 130429, 131000, 131016, 131048, 131056}
)
WINDOW_CLOSED_CODES = frozenset({131047})
CHUNK = 64 * 1024


def _retry_after(headers: Mapping[str, str]) -> Optional[float]:
    try:
        value = float(headers.get("Retry-After", ""))
    except ValueError:
        return None
    return value if 0 <= value <= 3600 else None


def classify(status: int, body: Any, headers: Mapping[str, str]) -> ProviderError:
    """A Graph API error response as a :class:`ProviderError`."""
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    code = code if isinstance(code, int) else None
    label = f"graph:{code}" if code is not None else f"http:{status}"
    return ProviderError(
        f"{label} (HTTP {status})",
        retryable=status == 429 or status >= 500 or code in RETRYABLE_CODES,
        window_closed=code in WINDOW_CLOSED_CODES,
        retry_after=_retry_after(headers),
    )


class GraphClient:
    """Calls the Graph API for one business phone number."""

    def __init__(
        self,
        config: MetaConfig,
        *,
        timeout_seconds: float = 10.0,
        session: Optional[aiohttp.ClientSession] = None,
    ) -> None:
        self.config = config
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session = session

    @property
    def session(self) -> aiohttp.ClientSession:
        """One connection pool per client, created on first use (in the loop)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def close(self) -> None:
        """Close the connection pool."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    @property
    def _auth(self) -> Dict[str, str]:
        return {"Authorization": f"Bearer {self.config.access_token}"}

    async def _post_messages(self, body: Mapping[str, Any]) -> Dict[str, Any]:
        url = f"{self.config.api_base}/{self.config.phone_number_id}/messages"
        try:
            async with self.session.post(url, json=body, headers=self._auth) as resp:
                try:
                    data = await resp.json(content_type=None)
                except ValueError:
                    data = None
                if resp.status >= 400 or not isinstance(data, dict):
                    raise classify(resp.status, data, resp.headers)
                return data
        except asyncio.TimeoutError as exc:
            raise ProviderError("timeout", outcome_unknown=True) from exc
        except aiohttp.ClientConnectorError as exc:
            raise ProviderError("connect", retryable=True) from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError) as exc:
            raise ProviderError("disconnected", outcome_unknown=True) from exc
        except aiohttp.ClientError as exc:
            raise ProviderError(type(exc).__name__, outcome_unknown=True) from exc

    async def send_body(self, body: Mapping[str, Any]) -> str:
        """Send one message body; return its ``wamid``."""
        data = await self._post_messages(body)
        messages = data.get("messages")
        if isinstance(messages, list) and messages and isinstance(messages[0], dict):
            return str(messages[0].get("id") or "")
        raise ProviderError("graph:no-message-id", outcome_unknown=True)

    async def mark_read(self, message_id: str) -> None:
        """Mark a patient's message as read (best effort: errors are raised)."""
        await self._post_messages(meta_payloads.mark_read_body(message_id))

    async def media_url(self, media_id: str) -> Dict[str, Any]:
        """The media's short-lived URL, ``mime_type``, ``file_size``, ``sha256``.

        Raises:
            MediaUnavailable: unknown, expired or refused.
        """
        url = f"{self.config.api_base}/{media_id}"
        params = {"phone_number_id": self.config.phone_number_id}
        try:
            async with self.session.get(url, params=params, headers=self._auth) as resp:
                data = await resp.json(content_type=None)
                if (
                    resp.status != 200
                    or not isinstance(data, dict)
                    or not data.get("url")
                ):
                    raise MediaUnavailable(f"media lookup HTTP {resp.status}")
                return data
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise MediaUnavailable(type(exc).__name__) from exc

    async def download(self, url: str, max_bytes: int) -> Downloaded:
        """Fetch a media file, stopping as soon as it exceeds ``max_bytes``."""
        if not url.lower().startswith(("https://", "http://")):
            raise MediaUnavailable("not an http(s) media URL")
        try:
            async with self.session.get(url, headers=self._auth) as resp:
                if resp.status != 200:
                    raise MediaUnavailable(f"media download HTTP {resp.status}")
                declared = resp.content_length
                if declared is not None and declared > max_bytes:
                    raise MediaTooLarge()
                chunks = []
                size = 0
                async for chunk in resp.content.iter_chunked(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise MediaTooLarge()
                    chunks.append(chunk)
                return Downloaded(
                    b"".join(chunks), resp.headers.get("Content-Type", "")
                )
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise MediaUnavailable(type(exc).__name__) from exc


class MetaProvider:
    """The Cloud API as the outbox sender's :class:`Provider`."""

    channel = "whatsapp"

    def __init__(self, client: GraphClient) -> None:
        self.client = client

    @property
    def template(self) -> Optional[TemplateConfig]:
        """The configured window template."""
        return self.client.config.template

    @property
    def has_template(self) -> bool:
        """Whether a window template is configured."""
        return self.template is not None

    async def send(self, to: str, part: Mapping[str, Any], outbox_id: int) -> str:
        """Send one rendered part."""
        return await self.client.send_body(meta_payloads.outgoing(to, part, outbox_id))

    async def send_template(
        self, to: str, parameters: Sequence[str], outbox_id: int
    ) -> str:
        """Send the window template with its parameters."""
        template = self.template
        if template is None:
            raise ProviderError("no-template")
        body = meta_payloads.template_body(
            to, template.name, template.language, list(parameters), outbox_id
        )
        return await self.client.send_body(body)
