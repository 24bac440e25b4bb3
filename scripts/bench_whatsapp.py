"""`make bench` (WhatsApp part): webhook acknowledgement and reply times.

Starts the action server, Rasa (``models/cryo.tar.gz``) and the console
(:class:`bot.console.devservers.ServerSet`) with the Meta channel pointed at a
local Graph API stand-in (:mod:`bot.channels.whatsapp.standins`), then plays
``--senders`` patients at once (20 by default), each posting webhooks signed as
Meta signs them:

1. **Conversation**: each patient sends ``--turns`` questions, each after the
   previous one was answered (as a person does). Measured per message:
   * *acknowledgement*: from the start of the POST to its HTTP 200;
   * *inbound to outbound*: from the start of the POST to the first reply
     message arriving at the Graph API stand-in (NLU, dialogue, actions,
     outbox and the send included).
2. **Burst**: each patient posts ``--turns`` messages back to back without
   waiting for answers (a provider redelivering a backlog); only the
   acknowledgement is measured, then the run waits until all are answered.

Both phases run on SQLite and on PostgreSQL (a throw-away database on the
server of the tests, 127.0.0.1:5432).

Usage: ``python -m scripts.bench_whatsapp [--senders 20] [--turns 5]
[--database sqlite|postgresql|both]``
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import aiohttp
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bot.channels import identity
from bot.channels.whatsapp.standins import webhooks
from bot.channels.whatsapp.standins.graph_api import GraphApiStandin
from bot.channels.whatsapp.standins.server import StandinServer
from bot.console.devservers import ServerSet
from bot.settings import PROJECT_ROOT

PHONE_ID = "106540352242922"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
QUESTIONS = [
    "what is cryoablation?",
    "does it hurt?",
    "how long is the recovery?",
    "what are the risks?",
    "can it be combined with TACE?",
    "how long does the procedure take?",
    "is it possible with cirrhosis?",
    "what documents do you need?",
]


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) by nearest rank."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


def summary(values: Sequence[float]) -> str:
    """``p50 … ms, p95 … ms (n=…)``."""
    return (
        f"p50 {statistics.median(values):.1f} ms, p95 {percentile(values, 95):.1f} ms "
        f"(n={len(values)})"
    )


class Arrivals:
    """When the stand-in accepted each message, per recipient (monotonic seconds)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.times: Dict[str, List[float]] = {}

    def __call__(self, body: dict) -> None:
        with self._lock:
            self.times.setdefault(body.get("to", ""), []).append(time.perf_counter())

    def after(self, number: str, since: float) -> List[float]:
        with self._lock:
            return [t for t in self.times.get(number, []) if t >= since]


class Database:
    """Reads the product's database to know when a turn is over."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, poolclass=NullPool, future=True)

    def settled(self, sender_id: str, message_id: str) -> bool:
        """The message was processed and nothing is left to send to the patient."""
        with self.engine.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT status, conversation_id FROM processed_inbound "
                    "WHERE channel = 'whatsapp' AND message_id = :m"
                ),
                {"m": message_id},
            ).first()
            if not row or row[0] != "done":
                return False
            pending = connection.execute(
                text(
                    "SELECT count(*) FROM outbox WHERE conversation_id = :c "
                    "AND status IN ('queued', 'sending')"
                ),
                {"c": row[1]},
            ).scalar()
            return pending == 0


@contextmanager
def postgres_database() -> Iterator[str]:
    """A throw-away database on the PostgreSQL server of the tests."""
    admin = create_engine(
        f"{PG_SERVER}/test", isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    name = f"bench_whatsapp_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


async def post(
    http: aiohttp.ClientSession, url: str, secret: bytes, number: str, text: str
) -> Tuple[str, float, float]:
    """Post one signed text webhook; returns (wamid, start, ack milliseconds)."""
    message = webhooks.meta_text(number, text)
    body = webhooks.meta_notification(
        PHONE_ID,
        messages=[message],
        contacts=[{"profile": {"name": "Bench"}, "wa_id": number}],
    )
    raw, headers = webhooks.sign_meta(secret, body)
    started = time.perf_counter()
    async with http.post(url, data=raw, headers=headers) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"webhook answered {response.status}")
    return message["id"], started, (time.perf_counter() - started) * 1000


async def wait(predicate, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(predicate):
        if time.monotonic() > deadline:
            raise TimeoutError("no answer within the deadline")
        await asyncio.sleep(0.02)


async def conversation_phase(
    url: str,
    secret: bytes,
    id_secret: bytes,
    database: Path,
    arrivals: Arrivals,
    senders: int,
    turns: int,
) -> Tuple[List[float], List[float]]:
    acks: List[float] = []
    first_replies: List[float] = []

    async def patient(index: int, http: aiohttp.ClientSession) -> None:
        number = "91" + f"{7000000000 + index * 7919 + secrets.randbelow(997):010d}"
        sender_id = identity.hashed_sender_id(identity.WHATSAPP, number, id_secret)
        for turn in range(turns):
            text = QUESTIONS[(index + turn) % len(QUESTIONS)]
            wamid, started, ack = await post(http, url, secret, number, text)
            acks.append(ack)
            await wait(lambda t=started: bool(arrivals.after(number, t)))
            first_replies.append((arrivals.after(number, started)[0] - started) * 1000)
            await wait(lambda w=wamid: database.settled(sender_id, w))

    async with aiohttp.ClientSession() as http:
        # A warm-up conversation, not counted (first model call, connections).
        await patient(10_000, http)
        acks.clear()
        first_replies.clear()
        await asyncio.gather(*(patient(i, http) for i in range(senders)))
    return acks, first_replies


async def burst_phase(
    url: str,
    secret: bytes,
    id_secret: bytes,
    database: Database,
    senders: int,
    turns: int,
) -> List[float]:
    acks: List[float] = []
    posted: List[Tuple[str, str]] = []

    async def patient(index: int, http: aiohttp.ClientSession) -> None:
        number = "234" + f"{800000000 + index * 7919 + secrets.randbelow(997):09d}"
        for turn in range(turns):
            wamid, _, ack = await post(
                http, url, secret, number, QUESTIONS[(index + turn) % len(QUESTIONS)]
            )
            acks.append(ack)
            posted.append(
                (identity.hashed_sender_id(identity.WHATSAPP, number, id_secret), wamid)
            )

    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(patient(i, http) for i in range(senders)))
    for sender_id, wamid in posted:
        await wait(lambda s=sender_id, w=wamid: database.settled(s, w), timeout=900)
    return acks


def run(
    model: Path, senders: int, turns: int, database_url: Optional[str]
) -> Dict[str, List[float]]:
    """Start everything on one database and run both phases."""
    secret = secrets.token_hex(32)
    token = "EAAG" + secrets.token_urlsafe(32)
    id_secret = secrets.token_hex(32)
    graph = GraphApiStandin(
        phone_number_id=PHONE_ID,
        access_token=token,
        app_secret=secret.encode(),
        send_statuses=False,  # only the replies are timed
    )
    arrivals = Arrivals()
    graph.listeners.append(arrivals)
    var_dir = Path(tempfile.mkdtemp(prefix="bench-whatsapp-"))
    env = {
        "SENDER_ID_SECRET": id_secret,
        "WHATSAPP_APP_SECRET": secret,
        "WHATSAPP_VERIFY_TOKEN": secrets.token_hex(16),
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_ID,
        "WHATSAPP_ACCESS_TOKEN": token,
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    url_of_db = database_url or f"sqlite:///{var_dir / 'app.db'}"
    with StandinServer(graph.app()) as standin:
        env["WHATSAPP_GRAPH_URL"] = standin.url
        with ServerSet(model=model, var_dir=var_dir, extra_env=env) as servers:
            url = f"{servers.rasa_url}/webhooks/whatsapp/webhook"
            database = Database(url_of_db)
            acks, replies = asyncio.run(
                conversation_phase(
                    url,
                    secret.encode(),
                    id_secret.encode(),
                    database,
                    arrivals,
                    senders,
                    turns,
                )
            )
            burst = asyncio.run(
                burst_phase(
                    url, secret.encode(), id_secret.encode(), database, senders, turns
                )
            )
            database.engine.dispose()
    return {"acks": acks, "replies": replies, "burst": burst}


def main(argv: Sequence[str] = ()) -> int:
    """Run both phases on each database and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(PROJECT_ROOT / "models" / "cryo.tar.gz"))
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument(
        "--database", choices=("sqlite", "postgresql", "both"), default="both"
    )
    args = parser.parse_args(argv)
    model = Path(args.model)
    if not model.exists():
        print("no trained model: run `make train` first", file=sys.stderr)
        return 1
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    for kind in kinds:
        if kind == "sqlite":
            figures = run(model, args.senders, args.turns, None)
        else:
            with postgres_database() as url:
                figures = run(model, args.senders, args.turns, url)
        print(f"WhatsApp, {args.senders} concurrent senders, {kind}, one Rasa process:")
        print(f"  webhook acknowledgement, conversations:  {summary(figures['acks'])}")
        print(
            f"  inbound to first outbound (Graph API):   {summary(figures['replies'])}"
        )
        print(f"  webhook acknowledgement, burst:          {summary(figures['burst'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
