"""Files patients send on WhatsApp: held until they agree, then attachments.

A file is fetched as soon as it arrives (the provider's link expires within
minutes) and held encrypted here (:func:`hold_media`). Health data is stored
only with consent: with it, the file becomes an attachment for the
coordinators at once (:func:`keep_media`, :mod:`bot.store.attachments`);
without it the patient is asked, and the answer keeps
(:func:`keep_pending_media`, after recording consent) or deletes
(:func:`discard_pending_media`) it. Files nobody answered about are deleted
after a day (:func:`purge_pending_media`, run by the daily purge).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.store.attachments import save_attachment
from bot.store.models import Attachment, ChannelMedia, Conversation
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
        content_type=content_type,
        filename=filename or None,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=bytes(data),
        source_message_id=source_message_id,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def keep_media(
    *, session: Session, conversation: Conversation, row: ChannelMedia
) -> Attachment:
    """Make a held file an attachment for the coordinators (consent required).

    Raises:
        ConsentRequired: without the patient's current consent.
    """
    attachment = save_attachment(
        session=session,
        conversation=conversation,
        content_type=row.content_type,
        filename=row.filename or "attachment",
        data=row.data,
        source_message_id=row.source_message_id,
    )
    session.delete(row)
    session.flush()
    return attachment


def keep_pending_media(
    *, session: Session, conversation: Conversation
) -> List[Attachment]:
    """Keep every file waiting for the patient's answer; returns the attachments."""
    return [
        keep_media(session=session, conversation=conversation, row=row)
        for row in list_media(session=session, conversation=conversation)
    ]


def discard_pending_media(*, session: Session, conversation: Conversation) -> int:
    """Delete every file waiting for the patient's answer; returns how many."""
    result = session.execute(
        delete(ChannelMedia)
        .where(ChannelMedia.conversation_id == conversation.id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def list_media(*, session: Session, conversation: Conversation) -> List[ChannelMedia]:
    """The files waiting for the patient's answer, oldest first."""
    return list(
        session.scalars(
            select(ChannelMedia)
            .where(ChannelMedia.conversation_id == conversation.id)
            .order_by(ChannelMedia.id)
        )
    )


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
        .where(ChannelMedia.created_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
