"""What the two providers' webhooks mean, in one shape for the rest of the code.

Both Meta's and Twilio's webhooks are parsed (:mod:`.meta_payloads`,
:mod:`.twilio_payloads`) into :class:`Inbound` (a patient's message) and
:class:`StatusUpdate` (what happened to one of our messages), so that the
pipeline that claims, stores and processes messages is written once.

An :class:`Inbound` is stored (encrypted) until it has been processed, so it
round-trips through :meth:`Inbound.to_dict` / :meth:`Inbound.from_dict`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Mapping, Optional, Tuple

#: What a patient can send, as the pipeline handles it.
KIND_TEXT = "text"
KIND_CHOICE = "choice"  # a reply button, a list row, a template quick reply
KIND_MEDIA = "media"  # an image or a document
KIND_UNSUPPORTED = "unsupported"  # audio, video, location, contacts, sticker …

#: Delivery states, in the order they normally happen.
STATUS_ORDER = ("queued", "sent", "delivered", "read")
STATUS_FAILED = "failed"


@dataclass(frozen=True)
class MediaRef:
    """A file the patient sent, as the provider describes it.

    Attributes:
        ref: Meta's media id, or Twilio's media URL.
        kind: ``image`` or ``document`` (or the unsupported type).
        mime_type: the type the provider reports (checked again on the bytes).
        sha256: Meta's checksum of the file, when given.
        filename: a document's name, when given.
    """

    ref: str
    kind: str
    mime_type: str = ""
    sha256: str = ""
    filename: str = ""


@dataclass(frozen=True)
class Inbound:
    """One message from a patient.

    Attributes:
        message_id: the provider's id (``wamid…`` / ``SM…``), the de-duplication key.
        sender: the patient's number as the provider gives it (never logged).
        kind: one of the ``KIND_*`` values.
        text: what they typed (text), or a caption.
        payload: the chosen option's payload (choice).
        display: the chosen option's title as the patient saw it.
        media: the files (media).
        original_type: the provider's own type name (``image``, ``audio`` …).
        timestamp: when the patient sent it (seconds since the epoch).
        profile_name: the WhatsApp profile name (kept only in the tracker).
    """

    message_id: str
    sender: str
    kind: str
    text: str = ""
    payload: str = ""
    display: str = ""
    media: Tuple[MediaRef, ...] = field(default_factory=tuple)
    original_type: str = ""
    timestamp: float = 0.0
    profile_name: str = ""

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-able dict (for the encrypted inbound queue)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Inbound":
        """Rebuild from :meth:`to_dict`."""
        values = dict(data)
        values["media"] = tuple(MediaRef(**m) for m in values.get("media") or ())
        return cls(**values)


@dataclass(frozen=True)
class StatusUpdate:
    """What happened to one of our messages (sent, delivered, read, failed).

    Attributes:
        provider_message_id: the id the provider gave our message.
        status: ``sent``, ``delivered``, ``read``, ``failed`` (Twilio's
            ``undelivered`` is read as ``failed``).
        timestamp: when (seconds since the epoch).
        error_code: the provider's error code for a failure.
        outbox_id: our outbox id, when the provider echoed it back.
    """

    provider_message_id: str
    status: str
    timestamp: float = 0.0
    error_code: str = ""
    outbox_id: Optional[int] = None
