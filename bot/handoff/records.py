"""Reports and scans patients send: kept with consent, reviewed by coordinators.

The WhatsApp channels fetch a file as soon as it arrives and hold it
encrypted (:mod:`bot.store.media`). These functions, called by the actions of
``actions/media.py``, decide what happens next, each in one short transaction
that never breaks the reply (:func:`bot.store.edge.write_for_conversation`):

* :func:`pending_files` — how many files wait for the patient's agreement;
* :func:`keep_files` — the patient agreed: consent is recorded and the files
  are kept for the coordinators;
* :func:`discard_files` — the patient refused: the held files are deleted.

A review of the records is the handoff's own escalation (``record_review``);
the console lists the conversation's attachments in the ticket.
"""

from __future__ import annotations

from typing import Optional

from bot.store.conversations import record_consent
from bot.store.edge import write_for_conversation
from bot.store.media import discard_pending_media, keep_pending_media, list_media

#: Version of the wording of ``utter_ask_media_consent`` (data/responses/media.yml).
MEDIA_CONSENT_WORDING_VERSION = "media-consent-1"


def pending_files(*, channel: str, sender_id: str) -> int:
    """How many files wait for the patient's agreement (0 when unknown)."""
    written = write_for_conversation(
        lambda session, conversation: len(
            list_media(session=session, conversation=conversation)
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
        return len(keep_pending_media(session=session, conversation=conversation))

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
