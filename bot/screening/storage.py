"""The screening's one door to the data layer (``bot.store``).

Two calls, each one short transaction (:mod:`bot.store.edge`): record
that the patient agreed to the storing of health data, and store a finished
screening. The store encrypts the facts, the outcome, the flags and the
reasons, and refuses to store anything for a conversation without current
consent (``ConsentRequired``).

A failure of the database must not leave a frightened patient without an
answer: both calls log the failure (never the health values) and return
``False``; the conversation goes on and the coordinators' logs show it.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from bot.screening.values import format_number
from bot.store.conversations import record_consent as store_consent
from bot.store.edge import call_for_conversation
from bot.store.screenings import save_screening

#: Version of the consent question's wording (``utter_ask_health_consent`` in
#: ``data/responses/screening.yml``); change it with the wording, so that the
#: consent records say what the patient agreed to.
CONSENT_WORDING_VERSION = "screening-consent-1"


def record_consent(*, channel: str, sender_id: str) -> bool:
    """Record that the patient agreed to the storing of their health data.

    Args:
        channel: the input channel (``socketio``, ``whatsapp``, ``rest`` …).
        sender_id: the channel's id of the patient.

    Returns:
        True when recorded; False when the data layer failed (logged).

    """
    return call_for_conversation(
        store_consent,
        channel=channel,
        sender_id=sender_id,
        what="screening consent",
        given=True,
        wording_version=CONSENT_WORDING_VERSION,
    ).ok


def store_screening(
    *,
    channel: str,
    sender_id: str,
    values: Mapping[str, Any],
    typed: Mapping[str, Mapping[str, Any]] | None,
    outcome: str,
    rules_version: str,
    flags: Sequence[str],
    reasons: Sequence[str],
) -> bool:
    """Store a finished screening, encrypted, for the patient's conversation.

    Args:
        channel: the input channel.
        sender_id: the channel's id of the patient.
        values: the canonical values by field (``None`` values are left out).
        typed: per field, the number and unit the patient typed, if any.
        outcome: the rules' outcome.
        rules_version: the version of the rules that produced it.
        flags: the rules' flags.
        reasons: the reasons shown to the patient.

    Returns:
        True when stored; False when the data layer refused or failed (logged;
        e.g. no consent on record).

    """
    return call_for_conversation(
        save_screening,
        channel=channel,
        sender_id=sender_id,
        what="screening",
        facts=build_facts(values, typed or {}),
        outcome=outcome,
        rules_version=rules_version,
        flags=sorted(flags),
        reasons=list(reasons),
    ).ok


def build_facts(
    values: Mapping[str, Any], typed: Mapping[str, Mapping[str, Any]]
) -> dict:
    """Shape the values for ``bot.store.screenings.save_screening``.

    Args:
        values: the canonical values by field.
        typed: per field, ``{"raw": number typed, "unit": unit typed, "text":
            the words the value was read from}``.

    Returns:
        ``{field: {"value": …, "text": …, "unit": …}}`` for every value given;
        ``text`` and ``unit`` only when known.

    """
    facts: dict = {}
    for field, value in values.items():
        if value is None:
            continue
        fact: dict = {"value": value}
        entry = typed.get(field) or {}
        raw, unit, text = entry.get("raw"), entry.get("unit"), entry.get("text")
        if text:
            fact["text"] = text
        elif raw is not None:
            fact["text"] = " ".join(
                part for part in (format_number(raw), unit or "") if part
            )
        if unit:
            fact["unit"] = unit
        facts[field] = fact
    return facts
