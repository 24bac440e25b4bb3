"""The one reader of the environment.

Every other module asks :func:`get_settings` for configuration; nothing else
reads ``os.environ``. YAML files (endpoints.yml, credentials.yml) refer to the
same variables with ``${VAR}``; ``python -m bot.settings env`` prints the
derived values for shell scripts that start Rasa.

Outside development (``APP_ENV`` other than ``development``/``test``) a
placeholder or missing secret is refused at start-up rather than discovered by
an attacker later.
"""

from __future__ import annotations

import os
import secrets
import shlex
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Mapping, Optional, Tuple

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Values that mark a secret as "not really set"; refused outside development.
PLACEHOLDERS = frozenset(
    {"", "changeme", "change-me", "secret", "placeholder", "dev", "development", "xxx"}
)

DEVELOPMENT_ENVS = frozenset({"development", "test"})


class SettingsError(RuntimeError):
    """Raised when the configuration is unsafe or incomplete for this environment."""


def _split(value: str) -> Tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _is_weak(secret: str) -> bool:
    return secret.strip().lower() in PLACEHOLDERS or len(secret.strip()) < 16


def dev_secret(var_dir: Path, name: str) -> str:
    """A random secret kept in ``var_dir/name`` (mode 0600), created on first use.

    Only for development: a laptop needs no setup, and the processes started
    by ``make run`` (and a restart of them) share the same value.

    Args:
        var_dir: the data directory (``Settings.var_dir``).
        name: the file name, e.g. ``rasa-dev-token``.

    Returns:
        The secret (64 hex characters).
    """
    path = Path(var_dir) / name
    try:
        existing = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        existing = ""
    if existing:
        return existing
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # O_EXCL: two processes starting together must not overwrite each other's
    # secret; the loser reads the winner's.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    value = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value)
    return value


@dataclass(frozen=True)
class Settings:
    """Configuration of every process of the product.

    Attributes are read once per process from the environment (see
    :func:`from_env`); tests build their own instances.
    """

    app_env: str = "development"
    var_dir: Path = PROJECT_ROOT / "var"
    database_url: str = ""
    redis_url: Optional[str] = None
    #: Fernet keys, newest first (MultiFernet decrypts with any, encrypts with the
    #: first).
    encryption_keys: Tuple[str, ...] = ()
    rasa_url: str = "http://localhost:5005"
    #: Token of Rasa's HTTP API (``--auth-token``); the console sends it.
    rasa_token: str = ""
    #: Interface the Rasa server listens on (loopback unless deployed).
    rasa_host: str = "127.0.0.1"
    action_endpoint_url: str = "http://localhost:5055/webhook"
    #: Shared secret the Rasa server sends to the action server (endpoints.yml).
    action_server_token: str = ""
    #: Interface the action server listens on (loopback unless deployed).
    action_server_host: str = "127.0.0.1"
    #: Bearer token of the REST channel; outside development the channel is
    #: off without one.
    rest_token: str = ""
    #: HMAC key that turns phone numbers into sender ids (bot.channels.identity).
    sender_id_secret: str = ""
    console_host: str = "127.0.0.1"
    console_port: int = 8080
    console_secret: str = ""
    widget_secret: str = ""
    widget_allowed_origins: Tuple[str, ...] = ()
    public_base_url: str = "http://localhost:5005"
    retention_days: int = 365
    #: Longest patient message kept; longer ones are cut with a notice.
    max_message_chars: int = 1000
    #: Token buckets (bot.channels.ratelimit): messages a sender may send at
    #: once, and how many more per minute after that.
    sender_rate_burst: int = 20
    sender_rate_per_minute: float = 20.0
    #: The same for one network address (many patients may share one).
    address_rate_burst: int = 120
    address_rate_per_minute: float = 120.0
    #: Escalation payloads (/urgent_symptoms, /request_human, /delete_data)
    #: per sender: a burst, then so many per hour.
    escalation_rate_burst: int = 3
    escalation_rate_per_hour: float = 6.0
    # -- WhatsApp Cloud API (Meta); the channel is off unless all four are set
    whatsapp_app_secret: str = ""
    whatsapp_verify_token: str = ""
    whatsapp_phone_number_id: str = ""
    whatsapp_access_token: str = ""
    whatsapp_graph_url: str = "https://graph.facebook.com"
    whatsapp_api_version: str = "v21.0"
    #: Development only: talk to the local Graph API stand-in of the console
    #: (``/dev/graph``) with generated secrets, for the simulated phone.
    whatsapp_sandbox: bool = False
    #: The approved template sent when the 24-hour window has closed.
    whatsapp_template_name: str = ""
    whatsapp_template_language: str = "en"
    #: Which value fills each ``{{n}}`` of the template body, in order.
    whatsapp_template_params: Tuple[str, ...] = ()
    #: Largest image or document accepted from a patient.
    media_max_bytes: int = 10 * 1024 * 1024
    # -- Twilio WhatsApp; off unless the account, token and sender are set
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    #: The WhatsApp sender, ``whatsapp:+14155238886``.
    twilio_whatsapp_from: str = ""
    twilio_api_url: str = "https://api.twilio.com"
    #: A Content API template (``HX…``) for replies after the 24-hour window.
    twilio_template_content_sid: str = ""
    twilio_sandbox: bool = False
    # -- the outbox sender of both WhatsApp channels
    outbox_retry_base_seconds: float = 2.0
    outbox_max_attempts: int = 6
    #: After a send whose outcome is unknown (timeout, crash mid-send), how
    #: long to wait for the provider's status callback before sending again.
    outbox_ack_grace_seconds: float = 60.0
    provider_timeout_seconds: float = 10.0
    # -- coordinator handoff (bot/handoff) ------------------------------------
    #: When coordinators answer: ``mon-fri 09:00-18:00; sat 10:00-14:00``,
    #: ``always`` or ``never`` (see bot/handoff/hours.py).
    handoff_opening_hours: str = "mon-fri 09:00-18:00"
    #: IANA time zone of the opening hours.
    handoff_timezone: str = "Asia/Kolkata"
    #: What the patient is told about the zone ("India time").
    handoff_timezone_label: str = "India time"
    #: Usual reply time inside opening hours, in minutes (told to the patient).
    handoff_reply_minutes: int = 15
    #: Minutes an unclaimed ticket waits before the patient is offered a call back.
    handoff_unclaimed_minutes: int = 10
    #: Webhook called when an urgent ticket arrives (team chat, pager); empty: off.
    alert_webhook_url: str = ""
    #: Optional HMAC-SHA256 key signing the webhook body (``X-Alert-Signature``).
    alert_webhook_secret: str = ""
    # -- staff console (bot/console) ------------------------------------------
    #: Public address of the console, for links in alerts.
    console_public_url: str = "http://localhost:8080"
    #: Minutes without a request before a staff session ends.
    console_idle_minutes: int = 30
    #: Hours after which a session ends whatever the activity.
    console_session_hours: int = 12
    #: Failed sign-ins in a row (per account) before it is locked for the window.
    console_signin_max_failures: int = 10
    #: Failed sign-ins from one address within the window before it is locked.
    console_signin_max_failures_per_address: int = 30
    #: Window and lock time of the sign-in throttle, in minutes.
    console_signin_window_minutes: int = 15
    #: Use the first address of X-Forwarded-For (only behind a trusted proxy).
    console_trust_forwarded_for: bool = False
    #: How often each console process looks for new messages and tickets (ms).
    console_poll_ms: int = 250

    @property
    def is_development(self) -> bool:
        """True on a developer's laptop and in tests, where placeholders are fine."""
        return self.app_env in DEVELOPMENT_ENVS

    @property
    def whatsapp_enabled(self) -> bool:
        """The Meta channel is on: fully configured, or the development sandbox."""
        configured = all(
            (
                self.whatsapp_app_secret,
                self.whatsapp_verify_token,
                self.whatsapp_phone_number_id,
                self.whatsapp_access_token,
            )
        )
        return configured or (self.whatsapp_sandbox and self.is_development)

    @property
    def twilio_enabled(self) -> bool:
        """The Twilio channel is on: fully configured, or the development sandbox."""
        configured = all(
            (self.twilio_account_sid, self.twilio_auth_token, self.twilio_whatsapp_from)
        )
        return configured or (self.twilio_sandbox and self.is_development)

    @property
    def database_url_or_default(self) -> str:
        """``DATABASE_URL``, or the embedded SQLite file under ``var/``."""
        return self.database_url or f"sqlite:///{self.var_dir / 'app.db'}"

    def check(self) -> "Settings":
        """Refuse placeholder secrets outside development.

        Returns:
            self, so that ``get_settings().check()`` reads naturally.

        Raises:
            SettingsError: naming every secret that is missing or a placeholder,
                or an opening-hours setting that cannot be read (any environment).
        """
        from bot.handoff.hours import parse_opening_hours

        try:
            parse_opening_hours(self.handoff_opening_hours, self.handoff_timezone)
        except ValueError as error:
            raise SettingsError(
                f"HANDOFF_OPENING_HOURS / HANDOFF_TIMEZONE: {error}"
            ) from None
        if self.is_development:
            return self
        required = {
            "RASA_TOKEN": self.rasa_token,
            "ACTION_SERVER_TOKEN": self.action_server_token,
            "SENDER_ID_SECRET": self.sender_id_secret,
            "CONSOLE_SECRET_KEY": self.console_secret,
            "WIDGET_SECRET": self.widget_secret,
            "DATA_ENCRYPTION_KEYS": ",".join(self.encryption_keys),
            "DATABASE_URL": self.database_url,
        }
        # Optional, but a weak one is worse than none: it would switch the
        # REST channel on behind a guessable token.
        if self.rest_token:
            required["REST_TOKEN"] = self.rest_token
        if self.whatsapp_enabled:
            required["WHATSAPP_APP_SECRET"] = self.whatsapp_app_secret
            required["WHATSAPP_VERIFY_TOKEN"] = self.whatsapp_verify_token
        if self.twilio_enabled:
            # Twilio's auth tokens are 32 hex characters.
            required["TWILIO_AUTH_TOKEN"] = self.twilio_auth_token
        bad = [name for name, value in required.items() if _is_weak(value)]
        if self.whatsapp_sandbox or self.twilio_sandbox:
            bad.append("WHATSAPP_SANDBOX/TWILIO_SANDBOX (development only)")
        if bad:
            raise SettingsError(
                f"APP_ENV={self.app_env}: missing or placeholder secrets: "
                + ", ".join(sorted(bad))
            )
        return self

    def _secret(self, value: str, dev_file: str, variable: str) -> str:
        if value:
            return value
        if not self.is_development:
            raise SettingsError(f"{variable} is required outside development")
        return dev_secret(self.var_dir, dev_file)

    def rasa_api_token(self) -> str:
        """The token of Rasa's HTTP API (``RASA_TOKEN``).

        In development without one, a random per-install token kept in
        ``var/rasa-dev-token``, so that ``make run`` protects the API too.

        Raises:
            SettingsError: outside development when it is not configured.
        """
        return self._secret(self.rasa_token, "rasa-dev-token", "RASA_TOKEN")

    def action_token(self) -> str:
        """The shared secret between the Rasa server and the action server.

        ``ACTION_SERVER_TOKEN``, or in development ``var/action-dev-token``.

        Raises:
            SettingsError: outside development when it is not configured.
        """
        return self._secret(
            self.action_server_token, "action-dev-token", "ACTION_SERVER_TOKEN"
        )

    def sender_secret(self) -> bytes:
        """The HMAC key of hashed sender ids (``SENDER_ID_SECRET``).

        In development, ``var/sender-id-dev-secret``. Changing it gives every
        WhatsApp/Twilio patient a new sender id (a new conversation): keep it.

        Raises:
            SettingsError: outside development when it is not configured.
        """
        value = self._secret(
            self.sender_id_secret, "sender-id-dev-secret", "SENDER_ID_SECRET"
        )
        return value.encode("utf-8")


def _flag(value: Optional[str]) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def from_env(environ: Optional[Mapping[str, str]] = None) -> Settings:
    """Build settings from an environment mapping (``os.environ`` by default)."""
    env = os.environ if environ is None else environ
    var_dir = Path(env.get("APP_VAR_DIR", str(PROJECT_ROOT / "var")))
    origins = env.get(
        "WIDGET_ALLOWED_ORIGINS",
        "http://localhost:8080,http://127.0.0.1:8080",
    )
    return Settings(
        app_env=env.get("APP_ENV", "development").strip().lower(),
        var_dir=var_dir,
        database_url=env.get("DATABASE_URL", ""),
        redis_url=env.get("REDIS_URL") or None,
        encryption_keys=_split(env.get("DATA_ENCRYPTION_KEYS", "")),
        rasa_url=env.get("RASA_URL", "http://localhost:5005").rstrip("/"),
        rasa_token=env.get("RASA_TOKEN", ""),
        rasa_host=env.get("RASA_HOST", "127.0.0.1"),
        action_endpoint_url=env.get(
            "ACTION_ENDPOINT_URL", "http://localhost:5055/webhook"
        ),
        action_server_token=env.get("ACTION_SERVER_TOKEN", ""),
        action_server_host=env.get("ACTION_SERVER_HOST", "127.0.0.1"),
        rest_token=env.get("REST_TOKEN", ""),
        sender_id_secret=env.get("SENDER_ID_SECRET", ""),
        console_host=env.get("CONSOLE_HOST", "127.0.0.1"),
        console_port=int(env.get("CONSOLE_PORT", "8080")),
        console_secret=env.get("CONSOLE_SECRET_KEY", ""),
        widget_secret=env.get("WIDGET_SECRET", ""),
        widget_allowed_origins=_split(origins),
        public_base_url=env.get("PUBLIC_BASE_URL", "http://localhost:5005"),
        retention_days=int(env.get("RETENTION_DAYS", "365")),
        max_message_chars=int(env.get("MAX_MESSAGE_CHARS", "1000")),
        sender_rate_burst=int(env.get("SENDER_RATE_BURST", "20")),
        sender_rate_per_minute=float(env.get("SENDER_RATE_PER_MINUTE", "20")),
        address_rate_burst=int(env.get("ADDRESS_RATE_BURST", "120")),
        address_rate_per_minute=float(env.get("ADDRESS_RATE_PER_MINUTE", "120")),
        escalation_rate_burst=int(env.get("ESCALATION_RATE_BURST", "3")),
        escalation_rate_per_hour=float(env.get("ESCALATION_RATE_PER_HOUR", "6")),
        whatsapp_app_secret=env.get("WHATSAPP_APP_SECRET", ""),
        whatsapp_verify_token=env.get("WHATSAPP_VERIFY_TOKEN", ""),
        whatsapp_phone_number_id=env.get("WHATSAPP_PHONE_NUMBER_ID", ""),
        whatsapp_access_token=env.get("WHATSAPP_ACCESS_TOKEN", ""),
        whatsapp_graph_url=env.get(
            "WHATSAPP_GRAPH_URL", "https://graph.facebook.com"
        ).rstrip("/"),
        whatsapp_api_version=env.get("WHATSAPP_API_VERSION", "v21.0"),
        whatsapp_sandbox=_flag(env.get("WHATSAPP_SANDBOX")),
        whatsapp_template_name=env.get("WHATSAPP_TEMPLATE_NAME", ""),
        whatsapp_template_language=env.get("WHATSAPP_TEMPLATE_LANGUAGE", "en"),
        whatsapp_template_params=_split(env.get("WHATSAPP_TEMPLATE_PARAMS", "")),
        media_max_bytes=int(env.get("MEDIA_MAX_BYTES", str(10 * 1024 * 1024))),
        twilio_account_sid=env.get("TWILIO_ACCOUNT_SID", ""),
        twilio_auth_token=env.get("TWILIO_AUTH_TOKEN", ""),
        twilio_whatsapp_from=env.get("TWILIO_WHATSAPP_FROM", ""),
        twilio_api_url=env.get("TWILIO_API_URL", "https://api.twilio.com").rstrip("/"),
        twilio_template_content_sid=env.get("TWILIO_TEMPLATE_CONTENT_SID", ""),
        twilio_sandbox=_flag(env.get("TWILIO_SANDBOX")),
        outbox_retry_base_seconds=float(env.get("OUTBOX_RETRY_BASE_SECONDS", "2")),
        outbox_max_attempts=int(env.get("OUTBOX_MAX_ATTEMPTS", "6")),
        outbox_ack_grace_seconds=float(env.get("OUTBOX_ACK_GRACE_SECONDS", "60")),
        provider_timeout_seconds=float(env.get("PROVIDER_TIMEOUT_SECONDS", "10")),
        handoff_opening_hours=env.get("HANDOFF_OPENING_HOURS", "mon-fri 09:00-18:00"),
        handoff_timezone=env.get("HANDOFF_TIMEZONE", "Asia/Kolkata"),
        handoff_timezone_label=env.get("HANDOFF_TIMEZONE_LABEL", "India time"),
        handoff_reply_minutes=int(env.get("HANDOFF_REPLY_MINUTES", "15")),
        handoff_unclaimed_minutes=int(env.get("HANDOFF_UNCLAIMED_MINUTES", "10")),
        alert_webhook_url=env.get("ALERT_WEBHOOK_URL", ""),
        alert_webhook_secret=env.get("ALERT_WEBHOOK_SECRET", ""),
        console_public_url=env.get(
            "CONSOLE_PUBLIC_URL",
            f"http://localhost:{env.get('CONSOLE_PORT', '8080')}",
        ).rstrip("/"),
        console_idle_minutes=int(env.get("CONSOLE_IDLE_MINUTES", "30")),
        console_session_hours=int(env.get("CONSOLE_SESSION_HOURS", "12")),
        console_signin_max_failures=int(env.get("CONSOLE_SIGNIN_MAX_FAILURES", "10")),
        console_signin_max_failures_per_address=int(
            env.get("CONSOLE_SIGNIN_MAX_FAILURES_PER_ADDRESS", "30")
        ),
        console_signin_window_minutes=int(
            env.get("CONSOLE_SIGNIN_WINDOW_MINUTES", "15")
        ),
        console_trust_forwarded_for=_flag(env.get("CONSOLE_TRUST_FORWARDED_FOR", "")),
        console_poll_ms=int(env.get("CONSOLE_POLL_MS", "250")),
    )


def rasa_api_token(settings: Optional[Settings] = None) -> str:
    """The token of Rasa's HTTP API (``--auth-token``), which the console uses.

    See :meth:`Settings.rasa_api_token` (``RASA_TOKEN``, or a per-install
    development token under ``var/``).
    """
    return (settings or get_settings()).rasa_api_token()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read lazily on first use and then cached."""
    return from_env().check()


def yaml_environment(settings: Optional[Settings] = None) -> Dict[str, str]:
    """The variables that endpoints.yml and credentials.yml refer to as ``${VAR}``.

    Rasa refuses a YAML file whose ``${VAR}`` is unset, so every process that
    starts Rasa exports these, with the defaults (and development secrets)
    resolved here.
    """
    s = settings or get_settings()
    return {
        "ACTION_ENDPOINT_URL": s.action_endpoint_url,
        "ACTION_SERVER_TOKEN": s.action_token(),
        "RASA_URL": s.rasa_url,
    }


def shell_environment(settings: Optional[Settings] = None) -> Dict[str, str]:
    """What scripts/run.sh needs: the YAML variables, tokens and interfaces.

    ``RASA_TOKEN`` is exported resolved (the development token included), so
    that ``rasa run --auth-token "$RASA_TOKEN"`` and the console agree.
    """
    s = settings or get_settings()
    return {
        **yaml_environment(s),
        "RASA_TOKEN": s.rasa_api_token(),
        "RASA_HOST": s.rasa_host,
        "ACTION_SERVER_HOST": s.action_server_host,
    }


def _print_env() -> None:
    """Print ``export`` lines for scripts/run.sh."""
    for name, value in shell_environment().items():
        print(f"export {name}={shlex.quote(value)}")


if __name__ == "__main__":  # pragma: no cover - tiny CLI
    if sys.argv[1:] == ["env"]:
        _print_env()
    elif sys.argv[1:] == ["check"]:
        get_settings()
        print("settings ok")
    else:
        print("usage: python -m bot.settings [env|check]", file=sys.stderr)
        sys.exit(2)
