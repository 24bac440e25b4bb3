"""The log safety net: no patient text, value or token in a log line.

Each test logs the way Rasa, Sanic or the product does, with a distinctive
value, through a real logging handler, and reads what was written.
"""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from bot import logsafety

ROOT = Path(__file__).resolve().parent.parent
MARK = "Zqxwv 7777.77 bilirubin"


@pytest.fixture
def written():
    """Install the safety net; yield a function returning what a handler wrote."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.DEBUG)
    logsafety.install()
    try:
        yield stream.getvalue
    finally:
        logsafety.uninstall()
        root.removeHandler(handler)
        root.setLevel(level)


def _fail_with(text: str) -> BaseException:
    try:
        float(text)
    except ValueError as error:
        return error
    raise AssertionError("float() accepted it")


def test_exceptions_keep_their_types_and_places_not_their_messages(written):
    error = _fail_with(MARK)
    logging.getLogger("rasa.core.processor").error("failed", exc_info=error)
    logging.getLogger("bot.channels.rest").exception("x", exc_info=error)
    out = written()
    assert "Zqxwv" not in out and "7777" not in out
    assert "builtins.ValueError" in out
    assert "test_logsafety.py" in out and "_fail_with" in out


def test_a_chained_exception_shows_each_type(written):
    try:
        try:
            float(MARK)
        except ValueError as inner:
            raise RuntimeError(f"while reading {MARK}") from inner
    except RuntimeError:
        logging.getLogger("sanic.error").exception("Exception occurred")
    out = written()
    assert "Zqxwv" not in out
    assert out.index("builtins.ValueError") < out.index("builtins.RuntimeError")


def test_rasas_structured_lines_lose_text_and_frame_locals(written):
    line = json.dumps(
        {
            "event": "rest.message.received.failure",
            "text": MARK,
            "sender_id": "rest:p1",
            "level": "error",
            "exception": [
                {
                    "exc_type": "GraphComponentException",
                    "exc_value": f"bad {MARK}",
                    "frames": [
                        {
                            "filename": "rest.py",
                            "lineno": 162,
                            "name": "receive",
                            "locals": {"text": MARK},
                        }
                    ],
                }
            ],
        }
    )
    logging.getLogger("rasa.core.channels.rest").error(line)
    (record_line,) = written().splitlines()
    kept = json.loads(record_line.split(" ", 2)[2])
    assert kept["text"] == logsafety.REDACTED
    assert kept["sender_id"] == "rest:p1" and kept["event"].startswith("rest.")
    assert kept["exception"] == [
        {
            "exc_type": "GraphComponentException",
            "frames": [{"filename": "rest.py", "lineno": 162, "name": "receive"}],
        }
    ]


def test_third_party_messages_lose_quoted_values_and_error_details(written):
    logging.getLogger("rasa.server").error(
        f"Failed to validate the events format. Error: {{'text': '{MARK}'}}\n"
        f"On instance[0]: '{MARK}'"
    )
    logging.getLogger("rasa.server").error(
        f"Messages of sender '{MARK}' cannot be handled."
    )
    logging.getLogger("rasa.core.actions.action").error(
        "Failed to run custom action 'action_emergency'. Couldn't connect "
        "to the server at 'http://127.0.0.1:5055/webhook'."
    )
    out = written()
    assert "Zqxwv" not in out and "7777" not in out
    assert "'action_emergency'" in out and "'http://127.0.0.1:5055/webhook'" in out


def test_third_party_debug_is_withheld_but_ours_is_kept(written):
    logging.getLogger("rasa.core.processor").debug(
        f"Received user message '{MARK}' with intent 'inform'"
    )
    logging.getLogger("bot.channels.widget").debug("Nothing the widget can show")
    out = written()
    assert "Zqxwv" not in out and logsafety.WITHHELD in out
    assert "Nothing the widget can show" in out


def test_tokens_in_urls_and_headers_are_masked(written):
    logging.getLogger("sanic.access").info(
        "POST /conversations/x/tracker/events?token=s3cr3t-token&output_channel=latest"
    )
    logging.getLogger("bot.handoff").info("sent Authorization: Bearer abc.def-ghi")
    out = written()
    assert "s3cr3t" not in out and "abc.def" not in out
    assert "token=[redacted]&output_channel=latest" in out


def test_text_that_cannot_be_encoded_is_written_not_dumped(written):
    logging.getLogger("bot.channels.rest").warning("odd \ud800 text")
    out = written()
    assert "odd \ufffd text" in out
    assert logging.raiseExceptions is False  # a failed write never dumps a record


def test_warnings_go_through_the_same_net(written):
    warnings.warn(f"could not use '{MARK}'", UserWarning, stacklevel=1)
    out = written()
    assert "UserWarning" in out and "Zqxwv" not in out


def test_an_uncaught_exception_in_a_process_is_logged_safely(tmp_path):
    script = (
        "import logging, sys\n"
        "from bot import logsafety\n"
        "logsafety.prepare_process()\n"
        f"float({MARK!r})\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Uncaught exception" in result.stderr and "ValueError" in result.stderr
    assert "Zqxwv" not in result.stderr + result.stdout


def test_install_is_idempotent_and_reversible():
    factory = logging.getLogRecordFactory()
    logsafety.install()
    logsafety.install()
    assert logsafety.is_installed()
    logsafety.uninstall()
    assert logging.getLogRecordFactory() is factory
    assert not logsafety.is_installed()
