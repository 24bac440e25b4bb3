"""Files patients send (reports, scans): stored encrypted, listed for staff.

A channel that receives a document or an image (WhatsApp, issue 13) stores it
with :func:`save_attachment` in the same short transaction as the rest of the
message's work; the coordinator console lists and downloads them (always as a
download, never rendered inline). Content and file name are encrypted; the
content type and size stay in clear so the console can list them without
decrypting anything.

Attachments are health data: storing one needs the patient's current consent
(``ConsentRequired`` otherwise), like a screening. A redelivered message (same
``source_message_id`` in the same conversation) stores the file once.
"""

from __future__ import annotations

import re
import unicodedata
from typing import List

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from bot.store.conversations import require_consent
from bot.store.errors import NotFound
from bot.store.models import Attachment, Conversation
from bot.store.types import utcnow

#: Largest file kept (WhatsApp documents can be larger; such a file is refused
#: and the patient asked to send it another way).
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_FILENAME_CHARS = 255
#: ``type/subtype`` with the characters RFC 6838 allows; anything else is stored
#: as ``application/octet-stream``.
_CONTENT_TYPE = re.compile(
    r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$"
)
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")
GENERIC_CONTENT_TYPE = "application/octet-stream"


def clean_content_type(content_type: str | None) -> str:
    """The media type without parameters, lower-cased; generic when malformed.

    >>> clean_content_type("Application/PDF; name=x.pdf")
    'application/pdf'
    >>> clean_content_type("text/html<script>")
    'application/octet-stream'
    """
    value = (content_type or "").split(";", 1)[0].strip().lower()
    return value if _CONTENT_TYPE.match(value) else GENERIC_CONTENT_TYPE


def clean_filename(filename: str | None) -> str | None:
    r"""A file name safe to show and to offer as a download name (no path).

    >>> clean_filename("../../etc/passwd")
    'passwd'
    >>> clean_filename("  MRI report\n.pdf ")
    'MRI report .pdf'
    """
    if not filename:
        return None
    name = unicodedata.normalize("NFC", str(filename))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = " ".join(_UNSAFE_NAME.sub(" ", name).split())
    return name[:MAX_FILENAME_CHARS] or None


def save_attachment(
    *,
    session: Session,
    conversation: Conversation,
    content_type: str,
    filename: str | None,
    data: bytes,
    source_message_id: str | None = None,
) -> Attachment:
    """Store a file the patient sent, encrypted.

    Args:
        session: the caller's session (the caller commits).
        conversation: the patient's conversation (consent required).
        content_type: the media type the channel reported (``application/pdf``).
        filename: the name the patient's file had, if any (stored encrypted).
        data: the file's bytes (at most ``MAX_ATTACHMENT_BYTES``).
        source_message_id: the channel's message id, so a redelivery is not
            stored twice.

    Returns:
        The new attachment, or the one already stored for ``source_message_id``.

    Raises:
        ConsentRequired: without the patient's current consent.
        ValueError: empty or too large.

    """
    require_consent(conversation)
    if not data:
        raise ValueError("empty attachment")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ValueError(
            f"attachment of {len(data)} bytes exceeds {MAX_ATTACHMENT_BYTES}"
        )
    attachment = Attachment(
        conversation_id=conversation.id,
        content_type=clean_content_type(content_type),
        size_bytes=len(data),
        filename=clean_filename(filename),
        content=bytes(data),
        source_message_id=source_message_id,
        created_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(attachment)
        return attachment
    except IntegrityError:
        if source_message_id is None:
            raise
        existing = session.scalars(
            select(Attachment).where(
                Attachment.conversation_id == conversation.id,
                Attachment.source_message_id == source_message_id,
            )
        ).one_or_none()
        if existing is None:
            raise
        return existing


def list_attachments(
    *, session: Session, conversation: Conversation
) -> List[Attachment]:
    """The conversation's attachments, oldest first, without loading their content."""
    return list(
        session.scalars(
            select(Attachment)
            .options(defer(Attachment.content))
            .where(Attachment.conversation_id == conversation.id)
            .order_by(Attachment.id)
        )
    )


def get_attachment(
    *, session: Session, attachment_id: int, conversation: Conversation | None = None
) -> Attachment:
    """One attachment with its content.

    Args:
        session: the caller's session.
        attachment_id: its id.
        conversation: when given, the attachment must belong to it.

    Raises:
        NotFound: no such attachment (in that conversation).

    """
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or (
        conversation is not None and attachment.conversation_id != conversation.id
    ):
        raise NotFound(f"attachment {attachment_id} does not exist")
    return attachment
