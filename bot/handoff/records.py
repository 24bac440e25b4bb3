"""Reports and scans patients send: kept with consent, reviewed by coordinators.

The WhatsApp channels fetch a file as soon as it arrives and hold it
encrypted (:mod:`bot.store.media`). These functions, called by the actions of
``actions/media.py``, decide what happens next, each in one short transaction
that never breaks the reply (:func:`bot.store.edge.write_for_conversation`):

* :func:`pending_files` — how many files wait for the patient's agreement;
* :func:`keep_files` — the patient agreed: consent is recorded and the files
  are kept for the coordinators;
* :func:`discard_files` — the patient refused: the held files are deleted;
* :func:`request_record_review` — a ticket (``record_review``) whose summary
  lists the files (type, size; never their content) for the coordinators.
"""

from __future__ import annotations

from typing import Optional

from bot.store.conversations import record_consent
from bot.store.edge import write_for_conversation
from bot.store.media import discard_pending_media, keep_pending_media, list_media
from bot.store.tickets import open_ticket

#: Version of the wording of ``utter_ask_media_consent`` (data/responses/media.yml).
MEDIA_CONSENT_WORDING_VERSION = "media-consent-1"
RECORD_REVIEW = "record_review"


def pending_files(*, channel: str, sender_id: str) -> int:
    """How many files wait for the patient's agreement (0 when unknown)."""
    written = write_for_conversation(
        lambda session, conversation: len(
            list_media(session=session, conversation=conversation, status="pending")
        ),
        channel=channel,
        sender_id=sender_id,
        what="count of held files",
    )
    return written.value or 0


def keep_files(*, channel: str, sender_id: str) -> Optional[int]:
    """Record consent and keep the held files; returns how many (None on failure)."""

    def work(session, conversation) -> int:
        if not conversation.has_consent:
            record_consent(
                session=session,
                conversation=conversation,
                given=True,
                wording_version=MEDIA_CONSENT_WORDING_VERSION,
            )
        return keep_pending_media(session=session, conversation=conversation)

    written = write_for_conversation(
        work, channel=channel, sender_id=sender_id, what="keeping shared files"
    )
    return written.value if written.ok else None


def discard_files(*, channel: str, sender_id: str) -> Optional[int]:
    """Delete the held files; returns how many (None on failure)."""
    written = write_for_conversation(
        lambda session, conversation: discard_pending_media(
            session=session, conversation=conversation
        ),
        channel=channel,
        sender_id=sender_id,
        what="deleting shared files",
    )
    return written.value if written.ok else None


def _describe(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, size // 1024)} KB"


def request_record_review(*, channel: str, sender_id: str) -> Optional[int]:
    """Open (or raise) a ``record_review`` ticket listing the kept files."""

    def work(session, conversation) -> int:
        files = list_media(session=session, conversation=conversation, status="kept")
        lines = [
            f"- {row.filename or 'file'} ({row.content_type}, {_describe(row.size)})"
            for row in files
        ]
        summary = "The patient asks for a review of their records."
        if lines:
            summary += " Files sent on WhatsApp:\n" + "\n".join(lines)
        else:
            summary += " No files were received in the chat yet."
        return open_ticket(
            session=session,
            conversation=conversation,
            reason=RECORD_REVIEW,
            priority="normal",
            summary=summary,
        ).id

    written = write_for_conversation(
        work, channel=channel, sender_id=sender_id, what="record review request"
    )
    return written.value if written.ok else None
