"""A small client of Twilio's Messages API for WhatsApp (aiohttp; base URL injected).

``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP Basic auth
(account SID and auth token) and a form body: ``To``/``From``
(``whatsapp:+…``), ``Body`` or ``MediaUrl``, or ``ContentSid`` +
``ContentVariables`` (a template, for after the 24-hour window), and
``StatusCallback``, the URL Twilio posts the message's status to. The answer
is the Message resource (``sid`` ``SM…``, ``status``); errors are
``{"code", "message", "more_info", "status"}``.

Media a patient sends are at ``MediaUrl0…`` on Twilio's API host; they are
fetched with the same Basic auth, only from the configured hosts.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, Mapping, Optional, Sequence
from urllib.parse import urlencode, urlsplit

import aiohttp

from bot.channels.whatsapp.config import TemplateConfig, TwilioConfig
from bot.channels.whatsapp.provider import (
    Downloaded,
    MediaTooLarge,
    MediaUnavailable,
    ProviderError,
)

RETRYABLE_CODES = frozenset({20429, 20500, 20503, 30001, 63018, 63038})
WINDOW_CLOSED_CODES = frozenset({63016})
CHUNK = 64 * 1024
STATUS_PATH = "/webhooks/twilio/status"


def _retry_after(headers: Mapping[str, str]) -> Optional[float]:
    try:
        value = float(headers.get("Retry-After", ""))
    except ValueError:
        return None
    return value if 0 <= value <= 3600 else None


def classify(status: int, body: Any, headers: Mapping[str, str]) -> ProviderError:
    """A Twilio error response as a :class:`ProviderError`."""
    code = body.get("code") if isinstance(body, dict) else None
    code = code if isinstance(code, int) else None
    label = f"twilio:{code}" if code is not None else f"http:{status}"
    return ProviderError(
        f"{label} (HTTP {status})",
        retryable=status == 429 or status >= 500 or code in RETRYABLE_CODES,
        window_closed=code in WINDOW_CLOSED_CODES,
        retry_after=_retry_after(headers),
    )


def whatsapp_address(number: str) -> str:
    """``whatsapp:+<digits>`` for a stored number."""
    digits = number.split(":", 1)[-1].lstrip("+")
    return f"whatsapp:+{digits}"


class TwilioClient:
    """Calls Twilio's Messages API for one account."""

    def __init__(
        self,
        config: TwilioConfig,
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
    def _auth(self) -> aiohttp.BasicAuth:
        return aiohttp.BasicAuth(self.config.account_sid, self.config.auth_token)

    def status_callback(self, outbox_id: int) -> str:
        """Where Twilio reports this message's status (our id in the query)."""
        query = urlencode({"outbox": outbox_id})
        return f"{self.config.public_base_url}{STATUS_PATH}?{query}"

    async def create_message(self, params: Mapping[str, str]) -> str:
        """Create a Message resource; return its SID."""
        url = (
            f"{self.config.api_url}/2010-04-01/Accounts/"
            f"{self.config.account_sid}/Messages.json"
        )
        try:
            async with self.session.post(url, data=dict(params), auth=self._auth) as r:
                try:
                    data = await r.json(content_type=None)
                except ValueError:
                    data = None
                if r.status >= 400 or not isinstance(data, dict):
                    raise classify(r.status, data, r.headers)
                sid = data.get("sid")
                if not sid:
                    raise ProviderError("twilio:no-sid", outcome_unknown=True)
                return str(sid)
        except asyncio.TimeoutError as exc:
            raise ProviderError("timeout", outcome_unknown=True) from exc
        except aiohttp.ClientConnectorError as exc:
            raise ProviderError("connect", retryable=True) from exc
        except aiohttp.ClientError as exc:
            raise ProviderError(type(exc).__name__, outcome_unknown=True) from exc

    async def download(self, url: str, max_bytes: int) -> Downloaded:
        """Fetch a patient's media file from Twilio (Basic auth, allowed hosts only)."""
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or parts.netloc not in (
            self.config.media_hosts
        ):
            raise MediaUnavailable("media URL outside the provider's hosts")
        try:
            async with self.session.get(url, auth=self._auth) as resp:
                if resp.status != 200:
                    raise MediaUnavailable(f"media download HTTP {resp.status}")
                if resp.content_length is not None and resp.content_length > max_bytes:
                    raise MediaTooLarge()
                chunks, size = [], 0
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


class TwilioProvider:
    """Twilio as the outbox sender's :class:`Provider`."""

    channel = "twilio"

    def __init__(self, client: TwilioClient) -> None:
        self.client = client

    @property
    def template(self) -> Optional[TemplateConfig]:
        """The configured Content API template."""
        return self.client.config.template

    @property
    def has_template(self) -> bool:
        """Whether a window template is configured."""
        return self.template is not None

    def _base(self, to: str, outbox_id: int) -> Dict[str, str]:
        return {
            "To": whatsapp_address(to),
            "From": self.client.config.whatsapp_from,
            "StatusCallback": self.client.status_callback(outbox_id),
        }

    async def send(self, to: str, part: Mapping[str, Any], outbox_id: int) -> str:
        """Send one rendered part (``Body`` and/or ``MediaUrl``)."""
        params = self._base(to, outbox_id)
        params.update({k: str(v) for k, v in part.items() if k in ("Body", "MediaUrl")})
        return await self.client.create_message(params)

    async def send_template(
        self, to: str, parameters: Sequence[str], outbox_id: int
    ) -> str:
        """Send the Content API template with its variables."""
        template = self.template
        if template is None:
            raise ProviderError("no-template")
        params = self._base(to, outbox_id)
        params["ContentSid"] = template.name
        if parameters:
            params["ContentVariables"] = json.dumps(
                {str(i): p for i, p in enumerate(parameters, start=1)}
            )
        return await self.client.create_message(params)
