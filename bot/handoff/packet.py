"""The summary packet a ticket carries for the coordinators.

Built from the conversation at the moment of each escalation (the tracker's
events and slots, as the action sees them) and merged into the open ticket's
packet on every further escalation, so a repeated request adds to the ticket
instead of opening a second one. Stored encrypted in ``tickets.summary`` as
JSON; the console completes it at view time with what lives in the data
layer (the stored screening with its reasons, attachments, contact details
and consent, WhatsApp's reply window).

Shape (version 1)::

    {"v": 1,
     "reasons": [{"code", "label", "priority", "at"}],     # oldest first
     "channel": "socketio", "language": "en",
     "last_messages": [{"text", "at"}],                     # newest five
     "values": {"bilirubin_mg_dl": {"value": 1.2, "text": "bili 1.2 mg/dL",
                                    "unit": "mg/dL"}},
     "screening_outcome": "needs_review" | null,
     "red_flags": [{"text", "at"}],
     "attachment_ids": [3, 4],
     "callback_requested": true}

Pure functions over plain dicts: no Rasa, no database.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

from bot import fields
from bot.handoff.reasons import URGENT_SYMPTOMS, reason
from bot.screening.state import STATE, ScreeningState

VERSION = 1
LAST_MESSAGES = 5
MAX_RED_FLAGS = 10
MAX_TEXT = 1000


#: What a stored screening holds beside its fields (bot/screening/storage.py).
_OTHER_LABELS = {"child_pugh_source": "Child-Pugh class: from a report or worked out"}


def field_label(name: str) -> str:
    """A screening field as staff read it: "Bilirubin level (mg/dL)".

    The words come from the field registry (:mod:`bot.fields`), the one
    place a field's name and unit are written.
    """
    if name not in fields.BY_NAME:
        return _OTHER_LABELS.get(name, name)
    entry = fields.field(name)
    words = entry.label[4:] if entry.label.startswith("the ") else entry.label
    words = words[:1].upper() + words[1:]
    return f"{words} ({entry.unit})" if entry.unit else words


def _iso(ts: Any) -> Optional[str]:
    if isinstance(ts, (int, float)):
        return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="seconds")
    if isinstance(ts, datetime):
        return ts.astimezone(timezone.utc).isoformat(timespec="seconds")
    return None


def patient_text(event: Mapping[str, Any]) -> Optional[str]:
    """What the patient saw themselves send, for a ``user`` event; None if nothing.

    A button shows its title (the widget records it as ``display``); other
    payloads (``/affirm``) and the invisible ``EXTERNAL_`` intents a server
    triggers are not something the patient typed.
    """
    if event.get("event") != "user":
        return None
    widget = (event.get("metadata") or {}).get("widget") or {}
    display = widget.get("display") if isinstance(widget, Mapping) else None
    text = display or event.get("text") or ""
    intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
    if not text or intent.startswith("EXTERNAL_") or text.startswith("EXTERNAL_"):
        return None
    if text.startswith("/") and not display:
        return None
    return str(text)[:MAX_TEXT]


def _intent(event: Mapping[str, Any]) -> str:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""


def last_messages(
    events: Iterable[Mapping[str, Any]], limit: int = LAST_MESSAGES
) -> List[Dict[str, Any]]:
    """The patient's newest messages (oldest first), at most ``limit``."""
    found = []
    for event in events:
        text = patient_text(event)
        if text:
            found.append({"text": text, "at": _iso(event.get("timestamp"))})
    return found[-limit:]


def red_flags(events: Iterable[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """Messages the urgent-symptom guard recognised as possible emergency signs."""
    flags = []
    for event in events:
        if _intent(event) == URGENT_SYMPTOMS:
            text = patient_text(event)
            if text:
                flags.append({"text": text, "at": _iso(event.get("timestamp"))})
    return flags[-MAX_RED_FLAGS:]


def collected_values(slots: Mapping[str, Any]) -> Dict[str, Dict[str, Any]]:
    """The screening values in the slots, with what the patient typed.

    Only when the patient agreed to the storing of health data
    (``health_consent``); otherwise nothing health-related goes in the packet.
    """
    if slots.get("health_consent") is not True:
        return {}
    typed = ScreeningState.from_slot(slots.get(STATE)).typed
    values: Dict[str, Dict[str, Any]] = {}
    for field in fields.NAMES:
        value = slots.get(field)
        if value is None:
            continue
        entry: Dict[str, Any] = {"value": value}
        said = typed.get(field) if isinstance(typed, Mapping) else None
        if isinstance(said, Mapping):
            if said.get("text"):
                entry["text"] = str(said["text"])[:200]
            elif said.get("raw") is not None:
                entry["text"] = " ".join(
                    str(part) for part in (said.get("raw"), said.get("unit")) if part
                )
            if said.get("unit"):
                entry["unit"] = str(said["unit"])
        values[field] = entry
    return values


def build(
    *,
    reason_code: str,
    channel: str,
    events: Sequence[Mapping[str, Any]],
    slots: Mapping[str, Any],
    at: datetime,
    language: Optional[str] = None,
    attachment_ids: Sequence[int] = (),
    callback_requested: bool = False,
    note: Optional[str] = None,
) -> Dict[str, Any]:
    """The packet for one escalation.

    Args:
        reason_code: why (see :mod:`bot.handoff.reasons`).
        channel: the input channel.
        events: the tracker's events as dicts, oldest first.
        slots: the tracker's slots.
        at: when.
        language: the conversation's language, if known.
        attachment_ids: files the patient sent with this message.
        callback_requested: the patient asked to be called back.
        note: what the code escalating wants the coordinator to read first
            (e.g. the screening's own summary); may quote the patient.
    """
    why = reason(reason_code)
    built = {
        "v": VERSION,
        "reasons": [
            {
                "code": why.code,
                "label": why.label,
                "priority": why.priority,
                "at": _iso(at),
            }
        ],
        "channel": channel,
        "language": language or "en",
        "last_messages": last_messages(events),
        "values": collected_values(slots),
        "screening_outcome": slots.get("screening_outcome"),
        "red_flags": red_flags(events),
        "attachment_ids": sorted({int(i) for i in attachment_ids}),
        "callback_requested": bool(callback_requested),
    }
    if note:
        built["note"] = str(note)[: MAX_TEXT * 4]
    return built


def load(summary: Optional[str]) -> Dict[str, Any]:
    """Read a stored packet; a plain-text summary of the first release is kept.

    >>> load("Possible emergency signs described: bleeding")["note"]
    'Possible emergency signs described: bleeding'
    >>> load(None)["reasons"]
    []
    """
    if summary:
        try:
            data = json.loads(summary)
            if isinstance(data, dict) and data.get("v") == VERSION:
                return data
        except ValueError:
            pass
    empty: Dict[str, Any] = {
        "v": VERSION,
        "reasons": [],
        "last_messages": [],
        "values": {},
        "red_flags": [],
        "attachment_ids": [],
        "callback_requested": False,
    }
    if summary:
        empty["note"] = summary
    return empty


def merge(previous: Mapping[str, Any], new: Mapping[str, Any]) -> Dict[str, Any]:
    """Add a new escalation's packet to the open ticket's one.

    Reasons accumulate, each code once (with the time it first came); the
    newest messages, values and screening outcome win; red flags and
    attachments are united.
    """
    merged: Dict[str, Any] = {**previous}
    reasons = list(previous.get("reasons") or [])
    codes = {item.get("code") for item in reasons}
    for item in new.get("reasons") or []:
        if item.get("code") not in codes:
            reasons.append(item)
            codes.add(item.get("code"))
    merged["reasons"] = reasons[-20:]
    for key in ("channel", "language"):
        merged[key] = new.get(key) or previous.get(key)
    merged["last_messages"] = new.get("last_messages") or previous.get(
        "last_messages", []
    )
    values = dict(previous.get("values") or {})
    values.update(new.get("values") or {})
    merged["values"] = values
    merged["screening_outcome"] = new.get("screening_outcome") or previous.get(
        "screening_outcome"
    )
    flags = list(previous.get("red_flags") or [])
    for flag in new.get("red_flags") or []:
        if flag not in flags:
            flags.append(flag)
    merged["red_flags"] = flags[-MAX_RED_FLAGS:]
    merged["attachment_ids"] = sorted(
        set(previous.get("attachment_ids") or []) | set(new.get("attachment_ids") or [])
    )
    merged["callback_requested"] = bool(
        previous.get("callback_requested") or new.get("callback_requested")
    )
    if new.get("note"):
        merged["note"] = new["note"]
    merged["v"] = VERSION
    return merged


def dump(packet: Mapping[str, Any]) -> str:
    """The packet as stored (JSON; the column encrypts it)."""
    return json.dumps(packet, ensure_ascii=False, sort_keys=True)
