"""The WhatsApp channels' configuration, from :func:`bot.settings.get_settings`.

Secrets come only from settings. In development, ``WHATSAPP_SANDBOX=1`` /
``TWILIO_SANDBOX=1`` (set by ``make run`` when no real account is configured)
point the channels at the console's local stand-ins (``/dev/graph``,
``/dev/twilio``) with secrets generated once into ``var/`` (mode 0600), so that
the Rasa server and the console, which signs the simulated phone's webhooks,
agree on them without anyone configuring anything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Tuple

from bot.settings import Settings, dev_secret

logger = logging.getLogger(__name__)

SANDBOX_PHONE_NUMBER_ID = "100000000000001"
SANDBOX_DISPLAY_NUMBER = "15550000001"
SANDBOX_TWILIO_ACCOUNT = "AC" + "0" * 31 + "1"
SANDBOX_TWILIO_FROM = "whatsapp:+15550000002"
_DEV_SECRET_FILE = "whatsapp-dev-secret"

#: Values a template parameter may be filled with (never message text).
TEMPLATE_FIELDS = frozenset({"coordinator_name", "service_name"})
SERVICE_NAME = "CancerFax"


@dataclass(frozen=True)
class TemplateConfig:
    """The approved template sent after the 24-hour window has closed.

    Attributes:
        name: Meta template name, or Twilio Content SID (``HX…``).
        language: Meta language code (``en``, ``en_US``).
        params: which value fills ``{{1}}``, ``{{2}}`` …, from
            :data:`TEMPLATE_FIELDS`.
    """

    name: str
    language: str = "en"
    params: Tuple[str, ...] = ()


@dataclass(frozen=True)
class MetaConfig:
    """What the Cloud API channel needs."""

    app_secret: bytes
    verify_token: str
    phone_number_id: str
    access_token: str
    graph_url: str
    api_version: str
    id_secret: bytes
    media_max_bytes: int
    template: Optional[TemplateConfig] = None
    sandbox: bool = False

    @property
    def api_base(self) -> str:
        """``https://graph.facebook.com/v21.0`` (or the stand-in's)."""
        return f"{self.graph_url}/{self.api_version}"


@dataclass(frozen=True)
class TwilioConfig:
    """What the Twilio WhatsApp channel needs."""

    account_sid: str
    auth_token: str
    whatsapp_from: str
    api_url: str
    public_base_url: str
    id_secret: bytes
    media_max_bytes: int
    template: Optional[TemplateConfig] = None
    sandbox: bool = False
    media_hosts: Tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class SenderTuning:
    """Retry and timeout figures of the outbox sender."""

    retry_base_seconds: float
    max_attempts: int
    ack_grace_seconds: float
    timeout_seconds: float


def sandbox_secret(var_dir: Path) -> bytes:
    """The development secret shared by the Rasa server and the console.

    Kept in ``var/whatsapp-dev-secret`` (mode 0600; two processes starting
    together agree on it).
    """
    return dev_secret(var_dir, _DEV_SECRET_FILE).encode("ascii")


def _derived(secret: bytes, purpose: str) -> str:
    import hashlib
    import hmac

    return hmac.new(secret, purpose.encode(), hashlib.sha256).hexdigest()


def id_secret(settings: Settings) -> bytes:
    """Key of the phone-number HMACs (``SENDER_ID_SECRET``; bot.channels.identity)."""
    return settings.sender_secret()


def _template(settings: Settings, name: str) -> Optional[TemplateConfig]:
    if not name:
        return None
    params = tuple(p for p in settings.whatsapp_template_params if p)
    unknown = set(params) - TEMPLATE_FIELDS
    if unknown:
        raise ValueError(
            "WHATSAPP_TEMPLATE_PARAMS may only name "
            + ", ".join(sorted(TEMPLATE_FIELDS))
        )
    return TemplateConfig(
        name=name, language=settings.whatsapp_template_language, params=params
    )


def console_url(settings: Settings) -> str:
    """The console's own address (the sandbox stand-ins live there)."""
    return f"http://{settings.console_host}:{settings.console_port}"


def meta_config(settings: Settings) -> Optional[MetaConfig]:
    """The Cloud API configuration, or None when the channel is off."""
    if not settings.whatsapp_enabled:
        return None
    configured = bool(settings.whatsapp_access_token)
    template = _template(settings, settings.whatsapp_template_name)
    if configured:
        return MetaConfig(
            app_secret=settings.whatsapp_app_secret.encode("utf-8"),
            verify_token=settings.whatsapp_verify_token,
            phone_number_id=settings.whatsapp_phone_number_id,
            access_token=settings.whatsapp_access_token,
            graph_url=settings.whatsapp_graph_url,
            api_version=settings.whatsapp_api_version,
            id_secret=id_secret(settings),
            media_max_bytes=settings.media_max_bytes,
            template=template,
        )
    secret = sandbox_secret(settings.var_dir)
    return MetaConfig(
        app_secret=_derived(secret, "meta-app-secret").encode("ascii"),
        verify_token=_derived(secret, "meta-verify-token")[:32],
        phone_number_id=SANDBOX_PHONE_NUMBER_ID,
        access_token=_derived(secret, "meta-access-token"),
        graph_url=f"{console_url(settings)}/dev/graph",
        api_version=settings.whatsapp_api_version,
        id_secret=id_secret(settings),
        media_max_bytes=settings.media_max_bytes,
        template=template or TemplateConfig("coordinator_reply", "en", ()),
        sandbox=True,
    )


def twilio_config(settings: Settings) -> Optional[TwilioConfig]:
    """The Twilio configuration, or None when the channel is off."""
    if not settings.twilio_enabled:
        return None
    template = _template(settings, settings.twilio_template_content_sid)
    if settings.twilio_auth_token:
        api = settings.twilio_api_url
        return TwilioConfig(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            whatsapp_from=settings.twilio_whatsapp_from,
            api_url=api,
            public_base_url=settings.public_base_url.rstrip("/"),
            id_secret=id_secret(settings),
            media_max_bytes=settings.media_max_bytes,
            template=template,
            media_hosts=_media_hosts(api),
        )
    secret = sandbox_secret(settings.var_dir)
    api = f"{console_url(settings)}/dev/twilio"
    return TwilioConfig(
        account_sid=SANDBOX_TWILIO_ACCOUNT,
        auth_token=_derived(secret, "twilio-auth-token")[:32],
        whatsapp_from=SANDBOX_TWILIO_FROM,
        api_url=api,
        public_base_url=settings.public_base_url.rstrip("/"),
        id_secret=id_secret(settings),
        media_max_bytes=settings.media_max_bytes,
        template=template or TemplateConfig("HX" + "0" * 32, "en", ()),
        sandbox=True,
        media_hosts=_media_hosts(api),
    )


def _media_hosts(api_url: str) -> Tuple[str, ...]:
    """Hosts media may be fetched from: the API's own, and Twilio's media CDN."""
    from urllib.parse import urlsplit

    host = urlsplit(api_url).netloc
    hosts = [host]
    if host == "api.twilio.com":
        hosts += ["media.twiliocdn.com", "mms.twiliocdn.com"]
    return tuple(hosts)


def sender_tuning(settings: Settings) -> SenderTuning:
    """The outbox sender's retry figures."""
    return SenderTuning(
        retry_base_seconds=settings.outbox_retry_base_seconds,
        max_attempts=settings.outbox_max_attempts,
        ack_grace_seconds=settings.outbox_ack_grace_seconds,
        timeout_seconds=settings.provider_timeout_seconds,
    )
