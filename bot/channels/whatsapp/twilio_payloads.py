"""Twilio's WhatsApp webhooks (form-encoded), read.

An incoming message is a form POST with ``MessageSid``, ``From``
(``whatsapp:+4477…``), ``Body``, ``NumMedia`` and ``MediaUrl0…N`` /
``MediaContentType0…N``, and for a template's quick reply ``ButtonPayload`` /
``ButtonText``; a location carries ``Latitude``/``Longitude``. A status
callback (to the ``StatusCallback`` URL given when sending) carries
``MessageSid`` and ``MessageStatus`` (``queued``, ``sent``, ``delivered``,
``read``, ``failed``, ``undelivered``) and ``ErrorCode``.

Pure functions: no I/O.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from bot.channels.whatsapp.messages import (
    KIND_CHOICE,
    KIND_MEDIA,
    KIND_TEXT,
    KIND_UNSUPPORTED,
    Inbound,
    MediaRef,
    StatusUpdate,
)

MAX_MEDIA = 10
_STATUS_MAP = {
    "queued": "queued",
    "sending": "queued",
    "accepted": "queued",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
    "undelivered": "failed",
}


def _get(form: Mapping[str, Any], name: str, limit: int = 4096) -> str:
    value = form.get(name)
    if isinstance(value, list):  # Sanic's RequestParameters keep lists
        value = value[0] if value else ""
    return value[:limit] if isinstance(value, str) else ""


def media_kind(content_type: str) -> str:
    """``image``, ``document``, ``audio``, ``video`` … from a MIME type."""
    major = content_type.split("/", 1)[0].lower()
    if major in ("image", "audio", "video"):
        return "sticker" if content_type.lower() == "image/webp+sticker" else major
    if content_type.lower() in ("text/vcard", "text/x-vcard"):
        return "contacts"
    return "document"


def parse_message(form: Mapping[str, Any]) -> Optional[Inbound]:
    """An incoming Twilio WhatsApp message, or None if it is not one."""
    message_id = _get(form, "MessageSid", 64) or _get(form, "SmsMessageSid", 64)
    sender = _get(form, "From", 64)
    if not message_id or not sender:
        return None
    common = dict(
        message_id=message_id,
        sender=sender,
        profile_name=_get(form, "ProfileName", 120),
    )
    payload = _get(form, "ButtonPayload", 256)
    if payload:
        return Inbound(
            kind=KIND_CHOICE,
            payload=payload,
            display=_get(form, "ButtonText", 80),
            original_type="button",
            **common,
        )
    try:
        count = max(0, min(int(_get(form, "NumMedia", 4) or 0), MAX_MEDIA))
    except ValueError:
        count = 0
    if count:
        refs = []
        for index in range(count):
            url = _get(form, f"MediaUrl{index}", 2048)
            content_type = _get(form, f"MediaContentType{index}", 128)
            if url:
                refs.append(MediaRef(url, media_kind(content_type), content_type))
        supported = tuple(r for r in refs if r.kind in ("image", "document"))
        if supported:
            return Inbound(
                kind=KIND_MEDIA,
                text=_get(form, "Body", 1024),
                media=supported,
                original_type=supported[0].kind,
                **common,
            )
        kind = refs[0].kind if refs else "unknown"
        return Inbound(kind=KIND_UNSUPPORTED, original_type=kind, **common)
    if _get(form, "Latitude") and _get(form, "Longitude"):
        return Inbound(kind=KIND_UNSUPPORTED, original_type="location", **common)
    return Inbound(
        kind=KIND_TEXT, text=_get(form, "Body"), original_type="text", **common
    )


def parse_status(
    form: Mapping[str, Any], outbox_id: Optional[int] = None
) -> Optional[StatusUpdate]:
    """A status callback, or None if it is not one."""
    message_id = _get(form, "MessageSid", 64)
    status = _STATUS_MAP.get(_get(form, "MessageStatus", 32).lower())
    if not message_id or not status:
        return None
    return StatusUpdate(
        provider_message_id=message_id,
        status=status,
        error_code=_get(form, "ErrorCode", 32),
        outbox_id=outbox_id,
    )
