"""Files patients send on WhatsApp: held until they agree, then kept for staff.

A file is fetched as soon as it arrives (the provider's link expires within
minutes) and held encrypted (:func:`hold_media`). Health data is stored only
with consent: with it, the file is kept at once (:func:`keep_media`); without
it the patient is asked, and the answer keeps (:func:`keep_pending_media`,
after recording consent) or deletes (:func:`discard_pending_media`) it. Files
nobody answered about are deleted after a day (:func:`purge_pending_media`).

Kept files go to the product's attachments (``bot.store.attachments``, issue
10) when that module exists, else they stay here with status ``kept``.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.store.conversations import require_consent
from bot.store.models import ChannelMedia, Conversation
from bot.store.types import utcnow

PENDING_TTL = timedelta(days=1)


def hold_media(
    *,
    session: Session,
    conversation: Conversation,
    content_type: str,
    filename: str,
    data: bytes,
    source_message_id: Optional[str] = None,
) -> ChannelMedia:
    """Hold a file (encrypted) until the patient says whether it may be kept."""
    row = ChannelMedia(
        conversation_id=conversation.id,
        status="pending",
        content_type=content_type,
        filename=filename or None,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=base64.b64encode(data).decode("ascii"),
        source_message_id=source_message_id,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def media_bytes(row: ChannelMedia) -> bytes:
    """The file's bytes (decrypted)."""
    return base64.b64decode(row.data)


def _save_as_attachment(
    session: Session, conversation: Conversation, row: ChannelMedia
) -> bool:
    """Move a file into the product's attachments, when that module exists."""
    try:
        from bot.store.attachments import save_attachment  # issue 10
    except ImportError:
        return False
    save_attachment(
        session=session,
        conversation=conversation,
        content_type=row.content_type,
        filename=row.filename or "attachment",
        data=media_bytes(row),
        source_message_id=row.source_message_id,
    )
    session.delete(row)
    return True


def keep_media(
    *, session: Session, conversation: Conversation, row: ChannelMedia
) -> None:
    """Keep a held file for the coordinators (consent required)."""
    require_consent(conversation)
    if not _save_as_attachment(session, conversation, row):
        row.status = "kept"
    session.flush()


def keep_pending_media(*, session: Session, conversation: Conversation) -> int:
    """Keep every file waiting for the patient's answer; returns how many."""
    rows = list_media(session=session, conversation=conversation, status="pending")
    for row in rows:
        keep_media(session=session, conversation=conversation, row=row)
    return len(rows)


def discard_pending_media(*, session: Session, conversation: Conversation) -> int:
    """Delete every file waiting for the patient's answer; returns how many."""
    result = session.execute(
        delete(ChannelMedia)
        .where(
            ChannelMedia.conversation_id == conversation.id,
            ChannelMedia.status == "pending",
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def list_media(
    *, session: Session, conversation: Conversation, status: Optional[str] = None
) -> List[ChannelMedia]:
    """The conversation's files, oldest first (``pending``/``kept`` or both)."""
    query = select(ChannelMedia).where(ChannelMedia.conversation_id == conversation.id)
    if status:
        query = query.where(ChannelMedia.status == status)
    return list(session.scalars(query.order_by(ChannelMedia.id)))


def purge_pending_media(
    *,
    session: Session,
    older_than: timedelta = PENDING_TTL,
    now: Optional[datetime] = None,
) -> int:
    """Delete held files nobody agreed to keep within ``older_than``."""
    cutoff = (now or utcnow()) - older_than
    result = session.execute(
        delete(ChannelMedia)
        .where(ChannelMedia.status == "pending", ChannelMedia.created_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
