"""Helpers of the WhatsApp tests: the product on loopback with provider stand-ins.

One session-wide set of processes (action server, Rasa server with both
WhatsApp channels, console; :class:`bot.console.devservers.ServerSet`) whose
channels talk to a Graph API stand-in and a Twilio API stand-in running in
this process, so tests send webhooks as the providers would and read what the
"phone" received. Each test uses its own phone numbers.

Nothing here sleeps against a server: every wait polls a condition with a
generous deadline (the database's record that a message was processed and
that nothing is left to send, or the stand-in's record of what arrived).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest
from cryptography.fernet import Fernet, MultiFernet

from bot.channels import identity
from bot.channels.whatsapp.standins import webhooks
from bot.channels.whatsapp.standins.graph_api import GraphApiStandin
from bot.channels.whatsapp.standins.server import StandinServer
from bot.channels.whatsapp.standins.twilio_api import TwilioApiStandin
from bot.console.devservers import ServerSet
from bot.settings import PROJECT_ROOT

PHONE_NUMBER_ID = "106540352242922"
TWILIO_ACCOUNT = "AC" + "5" * 32
TWILIO_FROM = "whatsapp:+15550009999"
TEMPLATE = "coordinator_reply"
TWILIO_TEMPLATE = "HX" + "7" * 32
DEADLINE = 120.0


def http(
    method: str,
    url: str,
    body: Optional[bytes] = None,
    headers: Optional[Dict[str, str]] = None,
    timeout: float = 30,
) -> Tuple[int, bytes, float]:
    """One HTTP request; returns (status, body, milliseconds)."""
    request = urllib.request.Request(
        url, data=body, headers=headers or {}, method=method
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            data = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        data, status = error.read(), error.code
    return status, data, (time.perf_counter() - started) * 1000


def wait_until(
    predicate: Callable[[], Any], timeout: float = DEADLINE, what: str = ""
) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    value = predicate()
    if not value:
        pytest.fail(f"timed out waiting for {what or predicate}")
    return value


def new_number(country: str = "91") -> str:
    """A fresh, valid-looking number (India by default: many patients write from it)."""
    return country + "9" + "".join(str(secrets.randbelow(10)) for _ in range(9))


@dataclass
class World:
    """Everything a WhatsApp test talks to."""

    servers: ServerSet
    graph: GraphApiStandin
    graph_server: StandinServer
    twilio: TwilioApiStandin
    twilio_server: StandinServer
    app_secret: bytes
    verify_token: str
    access_token: str
    id_secret: bytes
    twilio_token: str
    #: Every phone number a test used (the privacy test greps the logs for them).
    numbers: List[str] = field(default_factory=list)

    @property
    def meta_webhook(self) -> str:
        return f"{self.servers.rasa_url}/webhooks/whatsapp/webhook"

    @property
    def twilio_webhook(self) -> str:
        return f"{self.servers.rasa_url}/webhooks/twilio/webhook"

    @property
    def database(self) -> Path:
        return self.servers.var_dir / "app.db"

    def query(self, sql: str, params: Tuple = ()) -> List[sqlite3.Row]:
        """Read the product's SQLite database (as an operator would)."""
        connection = sqlite3.connect(
            f"file:{self.database}?mode=ro", uri=True, timeout=30
        )
        connection.row_factory = sqlite3.Row
        try:
            return list(connection.execute(sql, params))
        finally:
            connection.close()

    def execute(self, sql: str, params: Tuple = ()) -> None:
        """Change the database (to let time pass: move timestamps back)."""
        connection = sqlite3.connect(str(self.database), timeout=30)
        try:
            connection.execute(sql, params)
            connection.commit()
        finally:
            connection.close()

    def fernet(self) -> MultiFernet:
        keys = self.servers.environment()["DATA_ENCRYPTION_KEYS"].split(",")
        return MultiFernet([Fernet(k) for k in keys])

    def sender_id(self, prefix: str, number: str) -> str:
        channel = {"wa": identity.WHATSAPP, "twilio": identity.TWILIO}[prefix]
        return identity.hashed_sender_id(channel, number, self.id_secret)

    def rasa_api(self, method: str, path: str, body: Any = None) -> Tuple[int, Any]:
        """Rasa's HTTP API with the token, as the console uses it."""
        separator = "&" if "?" in path else "?"
        url = f"{self.servers.rasa_url}{path}{separator}token={self.servers.rasa_token}"
        data = json.dumps(body).encode() if body is not None else None
        status, raw, _ = http(method, url, data, {"Content-Type": "application/json"})
        return status, json.loads(raw) if raw else None

    def tracker(self, sender_id: str) -> Dict[str, Any]:
        status, tracker = self.rasa_api("GET", f"/conversations/{sender_id}/tracker")
        assert status == 200, tracker
        return tracker

    def conversation_id(self, channel: str, sender_id: str) -> Optional[int]:
        rows = self.query(
            "SELECT id FROM conversations WHERE channel = ? AND sender_id = ?",
            (channel, sender_id),
        )
        return rows[0]["id"] if rows else None

    def settled(self, channel: str, sender_id: str, message_id: str) -> bool:
        """The message was processed and nothing is left to send for the patient."""
        done = self.query(
            "SELECT status FROM processed_inbound WHERE channel = ? AND message_id = ?",
            (channel, message_id),
        )
        if not done or done[0]["status"] != "done":
            return False
        conversation = self.conversation_id(channel, sender_id)
        pending = self.query(
            "SELECT count(*) AS n FROM outbox WHERE conversation_id = ? "
            "AND status IN ('queued', 'sending')",
            (conversation,),
        )
        return pending[0]["n"] == 0

    def close_window(self, channel: str, sender_id: str, hours: float = 25) -> None:
        """Let time pass: the patient last wrote ``hours`` ago (window closed)."""
        from datetime import datetime, timedelta, timezone

        past = datetime.now(timezone.utc) - timedelta(hours=hours)
        value = past.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        conversation = self.conversation_id(channel, sender_id)
        self.execute(
            "UPDATE processed_inbound SET processed_at = ? WHERE conversation_id = ?",
            (value, conversation),
        )
        columns = {
            row["name"] for row in self.query("PRAGMA table_info(conversations)")
        }
        if (
            "last_inbound_at" in columns
        ):  # issue 10's record of the patient's last message
            self.execute(
                "UPDATE conversations SET last_inbound_at = ? WHERE id = ?",
                (value, conversation),
            )

    def log_text(self) -> str:
        """Every log file the processes wrote."""
        return "\n".join(
            path.read_text(errors="replace")
            for path in sorted(self.servers.log_dir.glob("*"))
        )


def _shown(body: Dict[str, Any]) -> str:
    """What the phone displays for one Graph API message body."""
    kind = body.get("type")
    if kind == "text":
        return body["text"]["body"]
    if kind == "interactive":
        return body["interactive"]["body"]["text"]
    if kind == "template":
        return f"[template {body['template']['name']}]"
    return f"[{kind}]"


class MetaPhone:
    """A patient's phone on Meta's Cloud API."""

    def __init__(self, world: World, number: Optional[str] = None) -> None:
        self.world = world
        self.number = number or new_number()
        self.last_id: Optional[str] = None
        world.numbers.append(self.number)

    @property
    def sender_id(self) -> str:
        return self.world.sender_id("wa", self.number)

    def post(
        self,
        messages: List[Dict[str, Any]],
        *,
        url: Optional[str] = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> Tuple[int, float]:
        body = webhooks.meta_notification(
            PHONE_NUMBER_ID,
            messages=messages,
            contacts=[{"profile": {"name": "Test Patient"}, "wa_id": self.number}],
        )
        raw, signed = webhooks.sign_meta(self.world.app_secret, body)
        status, _, elapsed = http(
            "POST",
            url or self.world.meta_webhook,
            raw,
            headers if headers is not None else signed,
        )
        return status, elapsed

    def send(self, message: Dict[str, Any], **kwargs: Any) -> str:
        status, _ = self.post([message], **kwargs)
        assert status == 200, status
        self.last_id = message["id"]
        return message["id"]

    def say(self, text: str) -> str:
        return self.send(webhooks.meta_text(self.number, text))

    def received(self) -> List[Dict[str, Any]]:
        return self.world.graph.messages_to(self.number)

    def shown(self) -> List[str]:
        return [_shown(body) for body in self.received()]

    def settle(self, message_id: Optional[str] = None) -> List[Dict[str, Any]]:
        """Wait until the message was processed and every reply sent; all received."""
        message_id = message_id or self.last_id
        wait_until(
            lambda: self.world.settled("whatsapp", self.sender_id, message_id),
            what=f"{message_id} processed and answered",
        )
        return self.received()

    def turn(self, text: str) -> List[Dict[str, Any]]:
        """Say something; return only the messages that answer it."""
        before = len(self.received())
        self.say(text)
        return self.settle()[before:]

    def last_choices(self) -> List[Tuple[str, str, str]]:
        """(kind, id, title) of the choices of the newest interactive message."""
        for body in reversed(self.received()):
            if body.get("type") != "interactive":
                continue
            interactive = body["interactive"]
            if interactive["type"] == "button":
                return [
                    ("button", b["reply"]["id"], b["reply"]["title"])
                    for b in interactive["action"]["buttons"]
                ]
            rows = [row for s in interactive["action"]["sections"] for row in s["rows"]]
            return [("list", r["id"], r["title"]) for r in rows]
        return []

    def tap(self, title_start: str) -> List[Dict[str, Any]]:
        """Tap the choice whose title starts with ``title_start``; return the answer."""
        for kind, ident, title in self.last_choices():
            if title.lower().startswith(title_start.lower()):
                before = len(self.received())
                if kind == "button":
                    self.send(webhooks.meta_button_reply(self.number, ident, title))
                else:
                    self.send(webhooks.meta_list_reply(self.number, ident, title))
                return self.settle()[before:]
        pytest.fail(f"no choice {title_start!r} in {self.last_choices()}")


class TwilioPhone:
    """A patient's phone on Twilio WhatsApp."""

    def __init__(self, world: World, number: Optional[str] = None) -> None:
        self.world = world
        self.number = number or new_number("234")
        self.last_id: Optional[str] = None
        world.numbers.append(self.number)

    @property
    def address(self) -> str:
        return f"whatsapp:+{self.number}"

    @property
    def sender_id(self) -> str:
        return self.world.sender_id("twilio", self.number)

    def form(self, body: str = "", **kwargs: Any) -> Dict[str, str]:
        return webhooks.twilio_message(
            self.address, body, account_sid=TWILIO_ACCOUNT, to=TWILIO_FROM, **kwargs
        )

    def post(
        self,
        form: Dict[str, str],
        *,
        token: Optional[str] = None,
        url: Optional[str] = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> int:
        target = url or self.world.twilio_webhook
        raw, signed = webhooks.sign_twilio(
            token or self.world.twilio_token, target, form
        )
        status, _, _ = http(
            "POST", target, raw, headers if headers is not None else signed
        )
        return status

    def send(self, form: Dict[str, str]) -> str:
        assert self.post(form) == 200
        self.last_id = form["MessageSid"]
        return form["MessageSid"]

    def say(self, text: str) -> str:
        return self.send(self.form(text))

    def received(self) -> List[Dict[str, Any]]:
        return self.world.twilio.messages_to(self.address)

    def settle(self, message_id: Optional[str] = None) -> List[Dict[str, Any]]:
        message_id = message_id or self.last_id
        wait_until(
            lambda: self.world.settled("twilio", self.sender_id, message_id),
            what=f"{message_id} processed and answered",
        )
        return self.received()

    def turn(self, text: str) -> List[Dict[str, Any]]:
        before = len(self.received())
        self.say(text)
        return self.settle()[before:]


def start_world(var_dir: Path) -> World:
    """Start the stand-ins and the product (stop with :func:`stop_world`)."""
    model = PROJECT_ROOT / "models" / "cryo.tar.gz"
    if not model.exists():
        pytest.fail(f"{model} does not exist: run `make train` first")
    app_secret = secrets.token_hex(32)
    access_token = "EAAG" + secrets.token_urlsafe(40)
    verify_token = secrets.token_urlsafe(24)
    id_secret = secrets.token_hex(32)
    twilio_token = secrets.token_hex(16)
    graph = GraphApiStandin(
        phone_number_id=PHONE_NUMBER_ID,
        access_token=access_token,
        app_secret=app_secret.encode(),
        hang_seconds=4.0,
    )
    twilio = TwilioApiStandin(
        account_sid=TWILIO_ACCOUNT, auth_token=twilio_token, hang_seconds=4.0
    )
    graph_server = StandinServer(graph.app()).start()
    twilio_server = StandinServer(twilio.app()).start()
    twilio.base_url = twilio_server.url
    servers = ServerSet(
        model=model,
        var_dir=var_dir,
        extra_env={
            "SENDER_ID_SECRET": id_secret,
            "WHATSAPP_APP_SECRET": app_secret,
            "WHATSAPP_VERIFY_TOKEN": verify_token,
            "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
            "WHATSAPP_ACCESS_TOKEN": access_token,
            "WHATSAPP_GRAPH_URL": graph_server.url,
            "WHATSAPP_TEMPLATE_NAME": TEMPLATE,
            "WHATSAPP_TEMPLATE_LANGUAGE": "en",
            "WHATSAPP_TEMPLATE_PARAMS": "coordinator_name",
            "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT,
            "TWILIO_AUTH_TOKEN": twilio_token,
            "TWILIO_WHATSAPP_FROM": TWILIO_FROM,
            "TWILIO_API_URL": twilio_server.url,
            "TWILIO_TEMPLATE_CONTENT_SID": TWILIO_TEMPLATE,
            # Fast retries, so that tests of failures finish quickly.
            "OUTBOX_RETRY_BASE_SECONDS": "0.2",
            "OUTBOX_ACK_GRACE_SECONDS": "6",
            "PROVIDER_TIMEOUT_SECONDS": "2",
            "MEDIA_MAX_BYTES": str(2 * 1024 * 1024),
        },
    )
    try:
        servers.start()
    except Exception:
        graph_server.stop()
        twilio_server.stop()
        raise
    graph.webhook_url = f"{servers.rasa_url}/webhooks/whatsapp/webhook"
    return World(
        servers=servers,
        graph=graph,
        graph_server=graph_server,
        twilio=twilio,
        twilio_server=twilio_server,
        app_secret=app_secret.encode(),
        verify_token=verify_token,
        access_token=access_token,
        id_secret=id_secret.encode(),
        twilio_token=twilio_token,
    )


def stop_world(world: World) -> None:
    """Stop every process and stand-in."""
    world.servers.stop()
    world.graph_server.stop()
    world.twilio_server.stop()
