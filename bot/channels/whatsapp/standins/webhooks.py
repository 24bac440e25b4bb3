"""Webhook bodies as Meta and Twilio send them, signed as they sign them.

Shapes from the providers' documentation: Meta's ``whatsapp_business_account``
notification with ``entry[].changes[].value.messages[]`` / ``statuses[]``;
Twilio's form-encoded message and status callbacks.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import urlencode

from bot.channels.whatsapp.signatures import meta_signature, twilio_signature

WABA_ID = "102290129340398"


def new_wamid() -> str:
    """An id shaped like Meta's message ids."""
    return "wamid.HBgL" + secrets.token_urlsafe(24)


def meta_notification(
    phone_number_id: str,
    *,
    messages: Optional[List[Dict[str, Any]]] = None,
    statuses: Optional[List[Dict[str, Any]]] = None,
    contacts: Optional[List[Dict[str, Any]]] = None,
    display_number: str = "15550000001",
) -> Dict[str, Any]:
    """The envelope of every Cloud API webhook."""
    value: Dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": display_number,
            "phone_number_id": phone_number_id,
        },
    }
    if contacts:
        value["contacts"] = contacts
    if messages:
        value["messages"] = messages
    if statuses:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}],
    }


def meta_message(
    sender: str,
    kind: str,
    content: Dict[str, Any],
    *,
    message_id: Optional[str] = None,
    context: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    """One entry of ``messages[]`` (``from``, ``id``, ``timestamp``, ``type``)."""
    message = {
        "from": sender,
        "id": message_id or new_wamid(),
        "timestamp": str(int(time.time())),
        "type": kind,
        **content,
    }
    if context:
        message["context"] = context
    return message


def meta_text(sender: str, text: str, **kwargs: Any) -> Dict[str, Any]:
    """A text message from a patient."""
    return meta_message(sender, "text", {"text": {"body": text}}, **kwargs)


def meta_button_reply(
    sender: str, reply_id: str, title: str, **kw: Any
) -> Dict[str, Any]:
    """A tap on a reply button."""
    content = {
        "interactive": {
            "type": "button_reply",
            "button_reply": {"id": reply_id, "title": title},
        }
    }
    return meta_message(sender, "interactive", content, **kw)


def meta_list_reply(
    sender: str, row_id: str, title: str, description: str = "", **kw: Any
) -> Dict[str, Any]:
    """A choice from a list message."""
    reply = {"id": row_id, "title": title}
    if description:
        reply["description"] = description
    content = {"interactive": {"type": "list_reply", "list_reply": reply}}
    return meta_message(sender, "interactive", content, **kw)


def meta_template_button(
    sender: str, payload: str, text: str, **kw: Any
) -> Dict[str, Any]:
    """A tap on a template's quick-reply button."""
    return meta_message(
        sender, "button", {"button": {"payload": payload, "text": text}}, **kw
    )


def meta_media(
    sender: str,
    kind: str,
    media_id: str,
    mime_type: str,
    sha256: str = "",
    *,
    caption: str = "",
    filename: str = "",
    **kw: Any,
) -> Dict[str, Any]:
    """An image, document, audio, video or sticker message."""
    media: Dict[str, Any] = {"id": media_id, "mime_type": mime_type}
    if sha256:
        media["sha256"] = sha256
    if caption:
        media["caption"] = caption
    if filename:
        media["filename"] = filename
    return meta_message(sender, kind, {kind: media}, **kw)


def meta_location(sender: str, **kw: Any) -> Dict[str, Any]:
    """A shared location."""
    content = {"location": {"latitude": 28.61, "longitude": 77.2, "name": "Clinic"}}
    return meta_message(sender, "location", content, **kw)


def meta_reaction(
    sender: str, to_message: str, emoji: str = "👍", **kw: Any
) -> Dict[str, Any]:
    """A reaction to one of our messages."""
    content = {"reaction": {"message_id": to_message, "emoji": emoji}}
    return meta_message(sender, "reaction", content, **kw)


def meta_status(
    message_id: str,
    status: str,
    recipient: str,
    *,
    callback_data: Optional[str] = None,
    error_code: Optional[int] = None,
) -> Dict[str, Any]:
    """One entry of ``statuses[]``."""
    entry: Dict[str, Any] = {
        "id": message_id,
        "status": status,
        "timestamp": str(int(time.time())),
        "recipient_id": recipient,
    }
    if status in ("sent", "delivered"):
        entry["conversation"] = {
            "id": secrets.token_hex(16),
            "origin": {"type": "service"},
        }
        entry["pricing"] = {
            "billable": True,
            "pricing_model": "PMP",
            "category": "service",
        }
    if callback_data:
        entry["biz_opaque_callback_data"] = callback_data
    if error_code is not None:
        entry["errors"] = [
            {
                "code": error_code,
                "title": "Message undeliverable",
                "error_data": {"details": "Message failed to send."},
            }
        ]
    return entry


def sign_meta(
    app_secret: bytes, body: Mapping[str, Any]
) -> Tuple[bytes, Dict[str, str]]:
    """Serialise and sign a webhook as Meta does; returns (raw body, headers)."""
    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return raw, {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": meta_signature(app_secret, raw),
    }


# -- Twilio -----------------------------------------------------------------------


def new_twilio_sid(prefix: str = "SM") -> str:
    """A SID shaped like Twilio's (``SM`` + 32 hex digits)."""
    return prefix + secrets.token_hex(16)


def twilio_message(
    sender: str,
    body: str = "",
    *,
    account_sid: str,
    to: str,
    message_sid: Optional[str] = None,
    media: Optional[List[Tuple[str, str]]] = None,
    button: Optional[Tuple[str, str]] = None,
    profile_name: str = "Patient",
) -> Dict[str, str]:
    """An incoming WhatsApp message as Twilio posts it (form fields)."""
    sid = message_sid or new_twilio_sid()
    digits = sender.split(":", 1)[-1].lstrip("+")
    form = {
        "SmsMessageSid": sid,
        "NumMedia": str(len(media or [])),
        "ProfileName": profile_name,
        "MessageType": "text",
        "SmsSid": sid,
        "WaId": digits,
        "SmsStatus": "received",
        "Body": body,
        "To": to,
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": f"whatsapp:+{digits}",
        "ApiVersion": "2010-04-01",
    }
    for index, (url, content_type) in enumerate(media or []):
        form[f"MediaUrl{index}"] = url
        form[f"MediaContentType{index}"] = content_type
        form["MessageType"] = content_type.split("/")[0]
    if button:
        form["ButtonPayload"], form["ButtonText"] = button
        form["MessageType"] = "button"
    return form


def twilio_status(
    message_sid: str,
    status: str,
    *,
    account_sid: str,
    to: str,
    sender: str,
    error_code: Optional[str] = None,
) -> Dict[str, str]:
    """A status callback as Twilio posts it."""
    form = {
        "SmsSid": message_sid,
        "SmsStatus": status,
        "MessageStatus": status,
        "To": to,
        "MessageSid": message_sid,
        "AccountSid": account_sid,
        "From": sender,
        "ApiVersion": "2010-04-01",
        "ChannelPrefix": "whatsapp",
    }
    if error_code:
        form["ErrorCode"] = error_code
    return form


def sign_twilio(
    auth_token: str, url: str, form: Mapping[str, str]
) -> Tuple[bytes, Dict[str, str]]:
    """Encode and sign a webhook as Twilio does; returns (raw body, headers)."""
    return urlencode(form).encode("ascii"), {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilio_signature(auth_token, url, form),
    }
