"""No patient text, value or secret in any log line of any process.

Patients type health data; exceptions carry it in their messages ("could not
convert string to float: 'bilirubin 34'"), structured logs in their fields
(Rasa's ``text=``), and Rasa's JSON tracebacks even in the *local variables of
every frame*. Reviewing every log call of Rasa, Sanic and socket.io is not
possible, so every process of the product installs :func:`install` at start:

* a **log record factory** (it sees every record of every logger, whatever
  handler or formatter Rasa, coloredlogs or Sanic install later) that
  - replaces exception info by a safe traceback: exception types and
    ``file:line in function`` only, never messages or values;
  - rewrites Rasa's structured (JSON) log lines: fields outside a short
    allow-list of technical names are replaced by ``[redacted]`` and their
    ``exception`` by the same safe traceback (no ``locals``);
  - withholds the DEBUG messages of third-party loggers (Rasa logs every user
    message at DEBUG);
  - keeps only the first line of other third-party messages, with the details
    after ``Error:`` withheld and quoted values redacted unless they look like
    an identifier or a URL (Rasa's HTTP API logs every error it answers, and
    some quote the request: ``Messages of sender '…' cannot be handled``);
  - masks tokens in URLs and headers (``token=…``, ``Bearer …``);
  - replaces characters that cannot be written (lone surrogates), and turns
    off logging's own error report, which prints a failed record in full;
* Python warnings routed through logging, and hooks so that an uncaught
  exception (main thread, other threads) is logged the same safe way.

The product's own loggers (``bot.*``, ``actions.*``) are trusted for their
messages (they never format patient text; tests check the paths that matter)
but not for their exceptions.

Also here: :func:`private_umask`, so that everything a process creates under
``var/`` (database, logs, keys) is readable by its owner only.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
import traceback
from types import TracebackType
from typing import Any, Dict, List, Optional, Tuple, Type

REDACTED = "[redacted]"
WITHHELD = "[debug message withheld: may contain patient text]"

#: Loggers whose message strings are written by the product.
OWN_LOGGERS = ("bot", "actions", "__main__")

#: Fields of a structured (structlog JSON) log line kept as they are. Anything
#: else that is a string, list or object is replaced by REDACTED.
SAFE_FIELDS = frozenset(
    {
        "event",
        "event_key",
        "event_info",
        "level",
        "log_level",
        "timestamp",
        "logger",
        "logger_name",
        "sender_id",
        "conversation_id",
        "action_name",
        "action",
        "intent",
        "intent_name",
        "policy",
        "policy_name",
        "model",
        "model_id",
        "model_file",
        "channel",
        "input_channel",
        "status",
        "status_code",
        "filename",
        "url",
        "host",
        "port",
        "stack",
    }
)

_SECRETS = [
    (
        re.compile(r"(?i)\b(token|auth_token|access_token|api_key)=[^&\s'\"]+"),
        r"\1=" + REDACTED,
    ),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 " + REDACTED),
]

_SURROGATES = re.compile(r"[\ud800-\udfff]")
_QUOTED = re.compile(r"'([^'\n]*)'|\"([^\"\n]*)\"")
#: Quoted values kept in third-party messages: snake_case names (actions,
#: intents, slots, responses, stores) and URLs (tokens in them are masked).
_IDENTIFIER = re.compile(r"^(?:[a-z_][a-z0-9_.-]{0,63}|https?://\S+)$")
_DETAILS = re.compile(r"(?i)\b(error|exception|details|reason|message)\s*:\s.*$")

_installed = False
_install_lock = threading.Lock()
_previous_factory: Any = None


def _is_own(name: str) -> bool:
    return any(name == own or name.startswith(own + ".") for own in OWN_LOGGERS)


def mask_secrets(text: str) -> str:
    """Replace tokens in URLs and authorization headers.

    >>> mask_secrets("GET /status?token=abc123&x=1")
    'GET /status?token=[redacted]&x=1'
    """
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def scrub_third_party(message: str) -> str:
    """A third-party log message without what may quote a request or a patient.

    >>> scrub_third_party("Messages of sender 'Ann Lee' cannot be handled.")
    "Messages of sender '[redacted]' cannot be handled."
    >>> scrub_third_party("Failed to run custom action 'action_emergency'. Error: x")
    "Failed to run custom action 'action_emergency'. Error: [withheld]"
    """
    lines = message.strip().splitlines() or [""]
    first = _DETAILS.sub(lambda m: f"{m.group(1)}: [withheld]", lines[0])

    def redact(match: "re.Match[str]") -> str:
        quote = match.group(0)[0]
        value = match.group(1) if match.group(1) is not None else match.group(2)
        return (
            match.group(0) if _IDENTIFIER.match(value) else f"{quote}{REDACTED}{quote}"
        )

    first = _QUOTED.sub(redact, first)
    if len(lines) > 1:
        first += " [further lines withheld]"
    return first


def _chain(error: BaseException) -> List[BaseException]:
    seen: List[BaseException] = []
    current: Optional[BaseException] = error
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def safe_traceback(
    exc_type: Optional[Type[BaseException]],
    error: Optional[BaseException],
    tb: Optional[TracebackType],
) -> str:
    """A traceback with types and places only: no messages, no values.

    Args:
        exc_type: the exception's type (as in ``sys.exc_info()``).
        error: the exception.
        tb: its traceback.

    Returns:
        Lines ``File "…", line N, in f`` for each exception of the chain
        (innermost cause first), each followed by its type name.
    """
    if error is None:
        return f"{getattr(exc_type, '__name__', 'Exception')} (details withheld)"
    parts = ["Traceback (exception messages and values withheld):"]
    for item in reversed(_chain(error)):
        frames = traceback.extract_tb(item.__traceback__ if item is not error else tb)
        for frame in frames:
            parts.append(
                f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}'
            )
        parts.append(f"{type(item).__module__}.{type(item).__qualname__}")
    return "\n".join(parts)


def _safe_exception_field(value: Any) -> Any:
    """Structlog's ``exception`` field without values, locals or source lines."""
    if not isinstance(value, list):
        return REDACTED
    safe = []
    for entry in value:
        if not isinstance(entry, dict):
            continue
        frames = [
            {k: f.get(k) for k in ("filename", "lineno", "name")}
            for f in entry.get("frames") or []
            if isinstance(f, dict)
        ]
        safe.append({"exc_type": entry.get("exc_type"), "frames": frames})
    return safe


def sanitize_structured(message: str) -> Optional[str]:
    """A structlog JSON line with only safe fields; None if it is not one.

    >>> sanitize_structured('{"event": "rest.failure", "text": "my INR is 1.4"}')
    '{"event": "rest.failure", "text": "[redacted]"}'
    """
    stripped = message.strip()
    if not (stripped.startswith("{") and stripped.endswith("}")):
        return None
    try:
        data = json.loads(stripped)
    except ValueError:
        return None
    if not isinstance(data, dict) or "event" not in data:
        return None
    clean: Dict[str, Any] = {}
    for key, value in data.items():
        if key == "exception":
            clean[key] = _safe_exception_field(value)
        elif key in SAFE_FIELDS and isinstance(value, (str, int, float, bool)):
            clean[key] = value
        elif isinstance(value, (bool, int, float)) or value is None:
            clean[key] = value
        else:
            clean[key] = REDACTED
    return json.dumps(clean, ensure_ascii=True)


def sanitize_record(record: logging.LogRecord) -> logging.LogRecord:
    """Make one record safe to write anywhere (see the module docstring)."""
    own = _is_own(record.name)
    if not own and record.levelno < logging.INFO:
        record.msg, record.args = WITHHELD, ()
        record.exc_info, record.exc_text = None, None
        return record
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken format string is not our problem
        message = str(record.msg)
    structured = sanitize_structured(message)
    if structured is not None:
        message = structured
    elif not own:
        message = scrub_third_party(message)
    if record.exc_info:
        if isinstance(record.exc_info, BaseException):
            error = record.exc_info
            info: Tuple[Any, Any, Any] = (type(error), error, error.__traceback__)
        elif isinstance(record.exc_info, tuple):
            info = record.exc_info
        else:
            info = sys.exc_info()
        if info[0] is not None:
            message = f"{message}\n{safe_traceback(*info)}"
    # A lone surrogate cannot be written to a UTF-8 log; the handler's error
    # report would then print the whole record (see install()).
    record.msg = _SURROGATES.sub("\ufffd", mask_secrets(message))
    record.args = ()
    record.exc_info = None
    record.exc_text = None
    return record


def _factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _previous_factory(*args, **kwargs)
    return sanitize_record(record)


def _excepthook(
    exc_type: Type[BaseException],
    error: BaseException,
    tb: Optional[TracebackType],
) -> None:
    logging.getLogger("bot.crash").critical(
        "Uncaught exception\n%s", safe_traceback(exc_type, error, tb)
    )


def _thread_excepthook(args: Any) -> None:
    _excepthook(args.exc_type, args.exc_value, args.exc_traceback)


def install() -> None:
    """Install the safety net in this process (idempotent; call at start-up)."""
    global _installed, _previous_factory
    with _install_lock:
        if _installed:
            return
        _previous_factory = logging.getLogRecordFactory()
        logging.setLogRecordFactory(_factory)
        # A handler that fails to write reports the record itself, message
        # and arguments, to stderr (the log file): never do that.
        logging.raiseExceptions = False
        logging.captureWarnings(True)
        sys.excepthook = _excepthook
        threading.excepthook = _thread_excepthook
        _installed = True


def uninstall() -> None:
    """Undo :func:`install` (tests)."""
    global _installed
    with _install_lock:
        if not _installed:
            return
        logging.setLogRecordFactory(_previous_factory)
        logging.raiseExceptions = True
        logging.captureWarnings(False)
        sys.excepthook = sys.__excepthook__
        threading.excepthook = threading.__excepthook__
        _installed = False


def is_installed() -> bool:
    """Whether :func:`install` is active in this process."""
    return _installed


def private_umask() -> None:
    """Files and directories this process creates are its owner's only (077)."""
    os.umask(0o077)


class SafetyFilter(logging.Filter):
    """A logging filter whose creation installs the safety net.

    Named in ``bot/logging.yml`` (``rasa run --logging-config-file``), so that
    the Rasa server installs :func:`install` before it logs anything; it also
    sanitizes the records of the handlers it is attached to.
    """

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        install()
        private_umask()

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: A003 - logging API
        """Sanitize (idempotently) and keep the record."""
        if record.args or record.exc_info:
            sanitize_record(record)
        return True


def prepare_process(level: int = logging.INFO) -> None:
    """Start-up of a product process: private files, safe logs to stderr.

    Args:
        level: the root log level when no handler is configured yet.
    """
    private_umask()
    install()
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=level,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
