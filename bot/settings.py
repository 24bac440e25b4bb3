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
    rasa_token: str = ""
    action_endpoint_url: str = "http://localhost:5055/webhook"
    console_host: str = "127.0.0.1"
    console_port: int = 8080
    console_secret: str = ""
    widget_secret: str = ""
    widget_allowed_origins: Tuple[str, ...] = ()
    public_base_url: str = "http://localhost:5005"
    retention_days: int = 365
    #: Longest patient message kept; longer ones are cut with a notice.
    max_message_chars: int = 1000
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
            "CONSOLE_SECRET_KEY": self.console_secret,
            "WIDGET_SECRET": self.widget_secret,
            "DATA_ENCRYPTION_KEYS": ",".join(self.encryption_keys),
            "DATABASE_URL": self.database_url,
        }
        bad = [
            name
            for name, value in required.items()
            if value.strip().lower() in PLACEHOLDERS or len(value.strip()) < 16
        ]
        if bad:
            raise SettingsError(
                f"APP_ENV={self.app_env}: missing or placeholder secrets: "
                + ", ".join(sorted(bad))
            )
        return self


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


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
        action_endpoint_url=env.get(
            "ACTION_ENDPOINT_URL", "http://localhost:5055/webhook"
        ),
        console_host=env.get("CONSOLE_HOST", "127.0.0.1"),
        console_port=int(env.get("CONSOLE_PORT", "8080")),
        console_secret=env.get("CONSOLE_SECRET_KEY", ""),
        widget_secret=env.get("WIDGET_SECRET", ""),
        widget_allowed_origins=_split(origins),
        public_base_url=env.get("PUBLIC_BASE_URL", "http://localhost:5005"),
        retention_days=int(env.get("RETENTION_DAYS", "365")),
        max_message_chars=int(env.get("MAX_MESSAGE_CHARS", "1000")),
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


_DEV_RASA_TOKEN_FILE = "rasa-dev-token"


def rasa_api_token(settings: Optional[Settings] = None) -> str:
    """The token of Rasa's HTTP API (``--auth-token``), which the console uses.

    ``RASA_TOKEN`` when set. On a developer's machine without one, a random
    token kept in ``var/rasa-dev-token`` (mode 0600), so ``make run`` needs no
    configuration and Rasa's API is never open without a token. Elsewhere
    ``Settings.check`` has already refused a missing one.
    """
    s = settings or get_settings()
    if s.rasa_token or not s.is_development:
        return s.rasa_token
    path = Path(s.var_dir) / _DEV_RASA_TOKEN_FILE
    try:
        existing = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        existing = ""
    if existing:
        return existing
    import secrets

    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(token)
    return token


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read lazily on first use and then cached."""
    return from_env().check()


def yaml_environment(settings: Optional[Settings] = None) -> Dict[str, str]:
    """The variables that endpoints.yml and credentials.yml refer to as ``${VAR}``.

    Rasa refuses a YAML file whose ``${VAR}`` is unset, so every process that
    starts Rasa exports these, with the defaults resolved here.
    """
    s = settings or get_settings()
    return {
        "ACTION_ENDPOINT_URL": s.action_endpoint_url,
        "RASA_URL": s.rasa_url,
    }


def _print_env() -> None:
    """Print ``export`` lines for scripts/run.sh (with Rasa's API token)."""
    values = {**yaml_environment(), "RASA_TOKEN": rasa_api_token()}
    for name, value in values.items():
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
