"""Meta's WhatsApp Cloud API webhooks, read; Graph API bodies, built.

The webhook body (``object: whatsapp_business_account``) holds ``entry[]``,
each with ``changes[]`` whose ``value`` carries ``messages[]`` (what patients
sent), ``statuses[]`` (what happened to our messages) and ``metadata``
(``phone_number_id`` of the business number). Only ``field == "messages"``
changes addressed to the configured phone number id are read; anything else
(account updates, another number of the same business account) is ignored.

Message types handled: ``text``; ``interactive`` (``button_reply``,
``list_reply``); ``button`` (a template's quick reply); ``image`` and
``document``. Everything else a patient can send (``audio``, ``video``,
``location``, ``contacts``, ``sticker``, ``reaction``, ``unsupported`` …) is
reported as unsupported, to be answered politely.

Pure functions: no I/O.
"""

from __future__ import annotations

from typing import Any, Iterator, List, Mapping, Optional, Tuple

from bot.channels.whatsapp.messages import (
    KIND_CHOICE,
    KIND_MEDIA,
    KIND_TEXT,
    KIND_UNSUPPORTED,
    Inbound,
    MediaRef,
    StatusUpdate,
)

SUPPORTED_MEDIA = ("image", "document")
OUTBOX_TAG = "outbox:"


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> List[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any, limit: int = 4096) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _timestamp(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _values(body: Mapping[str, Any], phone_number_id: Optional[str]) -> Iterator[Any]:
    if body.get("object") != "whatsapp_business_account":
        return
    for entry in _list(body.get("entry")):
        for change in _list(_mapping(entry).get("changes")):
            change = _mapping(change)
            if change.get("field") != "messages":
                continue
            value = _mapping(change.get("value"))
            metadata = _mapping(value.get("metadata"))
            if phone_number_id and str(metadata.get("phone_number_id")) != str(
                phone_number_id
            ):
                continue
            yield value


def _profile_names(value: Mapping[str, Any]) -> dict:
    names = {}
    for contact in _list(value.get("contacts")):
        contact = _mapping(contact)
        names[str(contact.get("wa_id", ""))] = _str(
            _mapping(contact.get("profile")).get("name"), 120
        )
    return names


def _message(raw: Mapping[str, Any], profile: str) -> Optional[Inbound]:
    message_id = _str(raw.get("id"), 255)
    sender = _str(raw.get("from"), 32)
    kind = _str(raw.get("type"), 32)
    if not message_id or not sender:
        return None
    common = dict(
        message_id=message_id,
        sender=sender,
        original_type=kind,
        timestamp=_timestamp(raw.get("timestamp")),
        profile_name=profile,
    )
    if kind == "text":
        return Inbound(
            kind=KIND_TEXT, text=_str(_mapping(raw.get("text")).get("body")), **common
        )
    if kind == "interactive":
        interactive = _mapping(raw.get("interactive"))
        reply = _mapping(
            interactive.get("button_reply") or interactive.get("list_reply")
        )
        if reply.get("id"):
            return Inbound(
                kind=KIND_CHOICE,
                payload=_str(reply.get("id"), 256),
                display=_str(reply.get("title"), 80),
                **common,
            )
        return Inbound(kind=KIND_UNSUPPORTED, **common)
    if kind == "button":  # a quick reply of a template message
        button = _mapping(raw.get("button"))
        payload = _str(button.get("payload"), 256) or _str(button.get("text"), 256)
        return Inbound(
            kind=KIND_CHOICE if payload else KIND_UNSUPPORTED,
            payload=payload,
            display=_str(button.get("text"), 80),
            **common,
        )
    if kind in SUPPORTED_MEDIA:
        media = _mapping(raw.get(kind))
        if not media.get("id"):
            return Inbound(kind=KIND_UNSUPPORTED, **common)
        ref = MediaRef(
            ref=_str(media.get("id"), 128),
            kind=kind,
            mime_type=_str(media.get("mime_type"), 128),
            sha256=_str(media.get("sha256"), 128),
            filename=_str(media.get("filename"), 255),
        )
        return Inbound(
            kind=KIND_MEDIA,
            text=_str(media.get("caption"), 1024),
            media=(ref,),
            **common,
        )
    return Inbound(kind=KIND_UNSUPPORTED, **common)


def _outbox_id(callback_data: Any) -> Optional[int]:
    text = _str(callback_data, 512)
    if text.startswith(OUTBOX_TAG) and text[len(OUTBOX_TAG) :].isdigit():
        return int(text[len(OUTBOX_TAG) :])
    return None


def _status(raw: Mapping[str, Any]) -> Optional[StatusUpdate]:
    message_id = _str(raw.get("id"), 255)
    status = _str(raw.get("status"), 32)
    if not message_id or status not in ("sent", "delivered", "read", "failed"):
        return None
    errors = _list(raw.get("errors"))
    code = str(_mapping(errors[0]).get("code", "")) if errors else ""
    return StatusUpdate(
        provider_message_id=message_id,
        status=status,
        timestamp=_timestamp(raw.get("timestamp")),
        error_code=code[:32],
        outbox_id=_outbox_id(raw.get("biz_opaque_callback_data")),
    )


def parse_webhook(
    body: Any, phone_number_id: Optional[str] = None
) -> Tuple[List[Inbound], List[StatusUpdate]]:
    """Read a webhook body into patients' messages and status updates.

    Args:
        body: the parsed JSON body.
        phone_number_id: only changes for this business number are read.

    Returns:
        ``(messages, statuses)``, in the order they appear.
    """
    messages: List[Inbound] = []
    statuses: List[StatusUpdate] = []
    for value in _values(_mapping(body), phone_number_id):
        profiles = _profile_names(value)
        for raw in _list(value.get("messages")):
            raw = _mapping(raw)
            parsed = _message(raw, profiles.get(str(raw.get("from", "")), ""))
            if parsed is not None:
                messages.append(parsed)
        for raw in _list(value.get("statuses")):
            parsed_status = _status(_mapping(raw))
            if parsed_status is not None:
                statuses.append(parsed_status)
    return messages, statuses


def outgoing(to: str, part: Mapping[str, Any], outbox_id: int) -> dict:
    """The body of ``POST /{phone-number-id}/messages`` for one rendered part.

    ``biz_opaque_callback_data`` carries our outbox id, which Meta returns in
    the status webhooks: a message whose send timed out is recognised as sent
    instead of being sent twice.
    """
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        **dict(part),
        "biz_opaque_callback_data": f"{OUTBOX_TAG}{outbox_id}",
    }


def template_body(
    to: str, name: str, language: str, parameters: List[str], outbox_id: int
) -> dict:
    """A ``template`` message (the only kind allowed after the 24-hour window)."""
    template: dict = {"name": name, "language": {"code": language}}
    if parameters:
        template["components"] = [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": p} for p in parameters],
            }
        ]
    return outgoing(to, {"type": "template", "template": template}, outbox_id)


def mark_read_body(message_id: str) -> dict:
    """The body that marks a patient's message as read (blue ticks)."""
    return {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}
