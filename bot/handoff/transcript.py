"""A conversation's events as the coordinator reads them.

Turns Rasa's events (dicts, as stored) into transcript items: what the
patient wrote (or which button they pressed), what the assistant answered,
what a coordinator wrote, and the joined/left notices. The console renders
each item's text as text (never HTML) and sends new ones live.

Pure: no Rasa, no database.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from bot.handoff.packet import patient_text

MAX_ITEM_CHARS = 4000
NOTICE_WORDS = {
    "coordinator_joined": "{name} joined the conversation",
    "coordinator_left": "{name} left the conversation",
}


def _iso(ts: Any) -> Optional[str]:
    if isinstance(ts, (int, float)):
        return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="seconds")
    return None


def _intent(event: Mapping[str, Any]) -> str:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""


def item(row_id: int, event: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    """The transcript item of one event, or None for bookkeeping events.

    Kinds: ``patient``, ``bot``, ``coordinator``, ``notice``.
    """
    kind = event.get("event")
    base = {
        "id": row_id,
        "ts": event.get("timestamp"),
        "at": _iso(event.get("timestamp")),
    }
    if kind == "user":
        text = patient_text(event)
        raw = event.get("text") or ""
        if text is None:
            if raw.startswith("/") and not _intent(event).startswith("EXTERNAL_"):
                return {**base, "kind": "patient", "text": raw[:80], "button": True}
            return None
        guard = (event.get("metadata") or {}).get("input_guard") or {}
        return {
            **base,
            "kind": "patient",
            "text": text[:MAX_ITEM_CHARS],
            "urgent": _intent(event) == "urgent_symptoms",
            "truncated": bool(guard.get("truncated")),
        }
    if kind == "bot":
        data = event.get("data") or {}
        metadata = event.get("metadata") or {}
        custom = data.get("custom") if isinstance(data, Mapping) else None
        if isinstance(custom, Mapping) and custom.get("type") in NOTICE_WORDS:
            name = str(custom.get("name") or "A coordinator")[:80]
            return {
                **base,
                "kind": "notice",
                "text": NOTICE_WORDS[custom["type"]].format(name=name),
            }
        text = str(event.get("text") or "")[:MAX_ITEM_CHARS]
        if not text:
            return None
        if metadata.get("from") == "coordinator":
            return {
                **base,
                "kind": "coordinator",
                "text": text,
                "name": str(metadata.get("name") or "")[:80],
            }
        buttons = data.get("buttons") if isinstance(data, Mapping) else None
        titles = [
            str(b.get("title"))[:80]
            for b in buttons or []
            if isinstance(b, Mapping) and b.get("title")
        ]
        return {**base, "kind": "bot", "text": text, "buttons": titles}
    if kind == "session_started":
        return {**base, "kind": "notice", "text": "New session"}
    return None


def items(rows: Iterable[Tuple[int, Mapping[str, Any]]]) -> List[Dict[str, Any]]:
    """Transcript items of ``(row id, event)`` pairs, oldest first.

    A conversation's first session start is not worth a line (Rasa logs it
    after the greeting); a later one marks the patient coming back.
    """
    found: List[Dict[str, Any]] = []
    for row_id, event in rows:
        entry = item(row_id, event)
        if entry is None:
            continue
        if entry["text"] == "New session" and not any(
            i["kind"] == "patient" for i in found
        ):
            continue
        found.append(entry)
    return found
