"""What the Meta and Twilio channels share: the Rasa side of a WhatsApp channel.

* :class:`QueueingOutput` is the output channel of both: it renders each bot
  message for its provider and queues the parts in the outbox
  (:mod:`.outbox`), which sends them; it works for replies within a turn and
  for what Rasa's HTTP API sends (a coordinator's reply, a joined/left notice,
  via ``get_output_channel()``).
* :class:`WhatsAppInputBase` turns a claimed :class:`~.messages.Inbound` into
  the ``UserMessage`` Rasa processes: text through the input guard, a chosen
  option as its payload, a typed option number or title as the option's
  payload, files fetched, checked and held (``/share_media`` with the outcome
  in the metadata, for ``action_receive_media``), anything else answered as
  "text only" the same way. It starts the process's outbox sender and the
  inbound recovery loop with the server.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence, Text, Tuple

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, Sanic

from bot.channels import replies
from bot.channels.guard import GuardedText, is_button_payload, sanitize_user_text
from bot.channels.ratelimit import MessageLimits
from bot.channels.whatsapp import media, options, render
from bot.channels.whatsapp.inbound import Claimed, InboundQueue
from bot.channels.whatsapp.messages import (
    KIND_CHOICE,
    KIND_MEDIA,
    KIND_TEXT,
    Inbound,
    MediaRef,
)
from bot.channels.whatsapp.outbox import OutboxSender, get_sender, queue_messages
from bot.channels.whatsapp.provider import (
    Downloaded,
    MediaTooLarge,
    MediaUnavailable,
)
from bot.settings import Settings, get_settings
from bot.store.attachments import list_attachments
from bot.store.conversations import get_conversation
from bot.store.db import session_scope
from bot.store.edge import describe_error
from bot.store.media import hold_media, keep_media

logger = logging.getLogger(__name__)

#: The intent a file (or anything but text) becomes; its outcome is metadata.
SHARE_MEDIA = "/share_media"
#: The payload of the record-review button (offered after a file is kept).
RECORD_REVIEW = "/request_record_review"
MEDIA_METADATA = "whatsapp_media"
#: How often claimed messages whose process died are looked for.
RECOVERY_INTERVAL_SECONDS = 5.0
#: Longest reply read as picking an option (by its number or its title).
MAX_CHOICE_REPLY_CHARS = 60
#: Largest webhook body read (Meta's and Twilio's are a few KB).
MAX_WEBHOOK_BYTES = 256 * 1024

Renderer = Callable[[Dict[str, Any]], List[Dict[str, Any]]]


class QueueingOutput(OutputChannel):
    """Renders bot messages for one provider and queues them in the outbox.

    ``buffered`` (a patient's turn): the turn's messages are queued together,
    in one transaction, when the turn is over (:meth:`flush`), which keeps the
    database's write lock free for the webhooks of other patients. Otherwise
    (Rasa's HTTP API: a coordinator's reply) each message is queued at once.
    """

    def __init__(
        self,
        channel: str,
        renderer: Renderer,
        sender: OutboxSender,
        *,
        buffered: bool = False,
    ) -> None:
        self.channel = channel
        self.renderer = renderer
        self.sender = sender
        self.buffered = buffered
        self._buffer: Dict[str, List[Dict[str, Any]]] = {}

    def name(self) -> Text:  # type: ignore[override]
        """The channel's name (Rasa's ``output_channel=latest`` matches on it)."""
        return self.channel

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """Queue one bot message (all of it: text, choices, image, notice)."""
        parts = self.renderer(dict(message))
        if not parts:
            return
        origin = render.origin_of(message)
        item = {"parts": parts, "origin": origin.kind, "name": origin.name}
        if self.buffered:
            self._buffer.setdefault(recipient_id, []).append(item)
            return
        await self._queue(recipient_id, [item])

    async def flush(self) -> None:
        """Queue what the turn said (buffered mode)."""
        buffer, self._buffer = self._buffer, {}
        for recipient_id, items in buffer.items():
            await self._queue(recipient_id, items)

    async def _queue(self, recipient_id: str, items: List[Dict[str, Any]]) -> None:
        queued = await asyncio.to_thread(
            queue_messages,
            channel=self.channel,
            sender_id=recipient_id,
            messages=items,
        )
        if queued:
            self.sender.wake()
        else:
            logger.warning(
                "No %s conversation for sender=%s: message not queued",
                self.channel,
                recipient_id,
            )

    async def send_text_message(
        self, recipient_id: Text, text: Text, **kwargs: Any
    ) -> None:
        """Queue text."""
        await self.send_response(recipient_id, {**kwargs, "text": text})

    async def send_text_with_buttons(
        self,
        recipient_id: Text,
        text: Text,
        buttons: List[Dict[Text, Any]],
        **kwargs: Any,
    ) -> None:
        """Queue text with choices."""
        await self.send_response(
            recipient_id, {**kwargs, "text": text, "buttons": buttons}
        )

    async def send_quick_replies(
        self,
        recipient_id: Text,
        text: Text,
        quick_replies: List[Dict[Text, Any]],
        **kwargs: Any,
    ) -> None:
        """Queue text with choices."""
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        """Queue a notice (a coordinator joined or left)."""
        await self.send_response(recipient_id, {**kwargs, "custom": json_message})

    async def send_image_url(
        self, recipient_id: Text, image: Text, **kwargs: Any
    ) -> None:
        """Queue an image link."""
        await self.send_response(recipient_id, {**kwargs, "image": image})


def media_summary(outcomes: Sequence[str], kinds: Sequence[str]) -> Dict[str, Any]:
    """One outcome for the patient, from the outcomes of each file.

    Stored files win (the patient is thanked, or asked to agree); otherwise the
    first problem is explained.

    >>> media_summary(["too_large", "pending"], ["image", "document"])["outcome"]
    'pending'
    """
    for good in ("pending", media.OK):
        if good in outcomes:
            return {
                "outcome": good,
                "count": sum(1 for o in outcomes if o in ("pending", media.OK)),
                "kind": kinds[outcomes.index(good)],
            }
    outcome = outcomes[0] if outcomes else "unsupported"
    return {"outcome": outcome, "count": 0, "kind": kinds[0] if kinds else ""}


def current_options(events: Sequence[Any]) -> List[options.Option]:
    """The options of the bot's latest choice still on the patient's screen.

    The newest bot message with options, looking back through the bot's last
    reply; past a patient message only if the bot did not answer it (a
    greeting's options are still current after a "hi" the bot let pass).
    """
    answered = False
    for event in reversed(events):
        kind = getattr(event, "type_name", None)
        if kind == "bot":
            offered = render.offered_options(getattr(event, "data", None) or {})
            if offered:
                return offered
            answered = True
        elif kind == "user" and answered:
            return []
    return []


class WhatsAppInputBase(InputChannel):
    """The shared part of the Meta and Twilio input channels."""

    #: Rasa channel name (bot.channels.identity owns its sender-id prefix).
    CHANNEL = ""

    def __init__(self) -> None:
        self._app: Optional[Sanic] = None
        self._on_new_message: Optional[Callable[[UserMessage], Awaitable[Any]]] = None
        self._recovery: Optional[asyncio.Task] = None
        self.queue: Optional[InboundQueue] = None

    @classmethod
    def name(cls) -> Text:
        """The channel's name (recorded as the input channel)."""
        return cls.CHANNEL

    # -- provider-specific hooks ------------------------------------------------

    def _settings(self) -> Settings:
        return get_settings()

    @property
    def enabled(self) -> bool:
        """False when the channel's settings are absent: its webhook answers 404."""
        raise NotImplementedError

    def _renderer(self) -> Renderer:
        raise NotImplementedError

    def _register_provider(self, sender: OutboxSender) -> None:
        raise NotImplementedError

    def _id_secret(self) -> bytes:
        raise NotImplementedError

    def _has_template(self) -> bool:
        config = getattr(self, "config", None)
        return getattr(config, "template", None) is not None

    def _media_max_bytes(self) -> int:
        raise NotImplementedError

    async def _download(self, ref: MediaRef) -> Downloaded:
        raise NotImplementedError

    def _numbers_allowed(self, offered: Sequence[options.Option]) -> bool:
        """Whether a bare number picks one of the offered options."""
        raise NotImplementedError

    async def _before_processing(self, message: Inbound) -> None:
        """Provider hook (Meta marks the message read)."""

    async def _close(self) -> None:
        """Provider hook: close HTTP clients."""

    # -- Rasa -----------------------------------------------------------------

    def get_output_channel(self) -> Optional[OutputChannel]:
        """Where Rasa's HTTP API sends (coordinator replies, notices)."""
        if not self.enabled:
            return None
        return QueueingOutput(self.CHANNEL, self._renderer(), get_sender())

    def _agent(self) -> Any:
        agent = getattr(getattr(self._app, "ctx", None), "agent", None)
        return agent if agent is not None and agent.is_ready() else None

    def _make_queue(self) -> InboundQueue:
        return InboundQueue(
            channel=self.CHANNEL,
            id_secret=self._id_secret(),
            handler=self._handle,
        )

    def _attach(
        self, bp: Blueprint, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        """Start and stop the background work with the server."""
        self._on_new_message = on_new_message

        @bp.listener("after_server_start")
        async def start(app: Sanic, _loop: Any) -> None:
            self._app = app
            if not self.enabled:
                logger.info("%s channel is off: its settings are not set", self.CHANNEL)
                return
            self.queue = self.queue or self._make_queue()
            if not self._has_template():
                logger.warning(
                    "%s: no approved template configured: coordinator replies "
                    "after the 24-hour window cannot be delivered",
                    self.CHANNEL,
                )
            sender = get_sender()
            self._register_provider(sender)
            sender.start()
            self._recovery = asyncio.get_running_loop().create_task(
                self.queue.run_recovery(RECOVERY_INTERVAL_SECONDS)
            )

        @bp.listener("before_server_stop")
        async def stop(_app: Sanic, _loop: Any) -> None:
            if self._recovery is not None:
                self._recovery.cancel()
            await get_sender().stop()
            await self._close()

    async def accept(self, messages: Sequence[Inbound]) -> List[Claimed]:
        """Claim messages (before the webhook answers)."""
        if self.queue is None:
            self.queue = self._make_queue()
        return await self.queue.accept(messages)

    # -- one message ------------------------------------------------------------

    async def _offered(self, sender_id: str) -> List[options.Option]:
        """The options on the patient's screen (:func:`current_options`)."""
        agent = self._agent()
        if agent is None:
            return []
        try:
            # All sessions: the greeting comes just before its session starts.
            tracker = await agent.tracker_store.retrieve_full_tracker(sender_id)
        except Exception as error:  # noqa: BLE001 - then the text is read as words
            logger.error("Could not read the tracker: %s", describe_error(error))
            return []
        return current_options(list(tracker.events) if tracker else [])

    async def _text_for(
        self, message: Inbound, sender_id: str
    ) -> Tuple[str, Dict[str, Any], Optional[GuardedText]]:
        """What Rasa reads, the metadata kept with it, and the guard's verdict."""
        limit = self._settings().max_message_chars
        meta: Dict[str, Any] = {"whatsapp": {"type": message.original_type}}
        if message.kind == KIND_TEXT:
            # Only a short reply can be an option's number or title: a longer
            # message does not cost a second read of the conversation.
            short = len(message.text.strip()) <= MAX_CHOICE_REPLY_CHARS
            offered = await self._offered(sender_id) if short else []
            chosen = options.choice_from_reply(
                message.text, offered, numbers=self._numbers_allowed(offered)
            )
            if chosen is not None:
                meta["whatsapp"]["display"] = message.text[:80]
                return self._guarded(chosen, limit, meta)
            return self._guarded(message.text, limit, meta)
        if message.kind == KIND_CHOICE:
            meta["whatsapp"]["display"] = message.display
            if message.payload == RECORD_REVIEW:
                # The review's ticket lists the files (bot/handoff's packet).
                meta["attachments"] = await asyncio.to_thread(
                    self._attachment_ids, sender_id
                )
            return self._guarded(message.payload, limit, meta)
        if message.kind == KIND_MEDIA:
            summary = await self._take_media(message, sender_id)
            meta["attachments"] = summary.pop("attachments", [])
            meta[MEDIA_METADATA] = summary
            return SHARE_MEDIA, meta, None
        meta[MEDIA_METADATA] = {
            "outcome": "unsupported",
            "count": 0,
            "kind": message.original_type,
        }
        return SHARE_MEDIA, meta, None

    @staticmethod
    def _guarded(
        text: str, limit: int, meta: Dict[str, Any]
    ) -> Tuple[str, Dict[str, Any], GuardedText]:
        guarded = sanitize_user_text(text, limit)
        if guarded.metadata and not is_button_payload(guarded.text):
            meta.update(guarded.metadata)
        return guarded.text, meta, guarded

    def _attachment_ids(self, sender_id: str) -> List[int]:
        with session_scope() as session:
            conversation = get_conversation(
                session=session, channel=self.CHANNEL, sender_id=sender_id
            )
            if conversation is None:
                return []
            return [
                a.id
                for a in list_attachments(session=session, conversation=conversation)
            ]

    async def _take_media(self, message: Inbound, sender_id: str) -> Dict[str, Any]:
        outcomes: List[str] = []
        kinds: List[str] = []
        kept: List[int] = []
        for index, ref in enumerate(message.media):
            kinds.append(ref.kind)
            try:
                downloaded = await self._download(ref)
            except MediaTooLarge:
                outcomes.append(media.TOO_LARGE)
                continue
            except MediaUnavailable as error:
                logger.warning(
                    "A %s file could not be fetched (%s): sender=%s",
                    ref.kind,
                    str(error)[:80],
                    sender_id,
                )
                outcomes.append(media.UNAVAILABLE)
                continue
            checked = media.check(
                downloaded.data,
                max_bytes=self._media_max_bytes(),
                expected_sha256=ref.sha256,
                filename=ref.filename,
                fallback_name=f"{ref.kind}-{index + 1}",
            )
            if not checked.ok:
                outcomes.append(checked.outcome)
                continue
            outcome, attachment_id = await asyncio.to_thread(
                self._store_media, sender_id, checked, downloaded.data, message, index
            )
            outcomes.append(outcome)
            if attachment_id is not None:
                kept.append(attachment_id)
        return {**media_summary(outcomes, kinds), "attachments": kept}

    def _store_media(
        self,
        sender_id: str,
        checked: media.Checked,
        data: bytes,
        message: Inbound,
        index: int,
    ) -> Tuple[str, Optional[int]]:
        """Hold the file; keep it at once with consent. (outcome, attachment id)."""
        # One id per file: a Twilio message may carry several.
        source = message.message_id if index == 0 else f"{message.message_id}#{index}"
        with session_scope() as session:
            conversation = get_conversation(
                session=session, channel=self.CHANNEL, sender_id=sender_id
            )
            if conversation is None:
                return media.UNAVAILABLE, None
            row = hold_media(
                session=session,
                conversation=conversation,
                content_type=checked.content_type,
                filename=checked.filename,
                data=data,
                source_message_id=source,
            )
            if conversation.has_consent:
                attachment = keep_media(
                    session=session, conversation=conversation, row=row
                )
                session.flush()
                return media.OK, attachment.id
            return "pending", None

    async def _handle(self, message: Inbound, sender_id: str) -> None:
        """Process one claimed message (the :class:`InboundQueue` handler).

        A file's caption is read first, as its own message: it may describe
        emergency signs, which are answered before anything else.
        """
        if self._agent() is None or self._on_new_message is None:
            raise RuntimeError("the model is not loaded yet")
        await self._before_processing(message)
        if message.kind == KIND_MEDIA and message.text.strip():
            caption = Inbound(
                message_id=f"{message.message_id}:caption",
                sender=message.sender,
                kind=KIND_TEXT,
                text=message.text,
                original_type="caption",
            )
            await self._deliver(caption, sender_id)
        await self._deliver(message, sender_id)

    async def _deliver(self, message: Inbound, sender_id: str) -> None:
        assert self._on_new_message is not None
        text, metadata, guarded = await self._text_for(message, sender_id)
        output = QueueingOutput(
            self.CHANNEL, self._renderer(), get_sender(), buffered=True
        )
        agent = self._agent()
        # Every message comes from the provider's servers: the limit is per
        # patient only (the address would be Meta's or Twilio's).
        if not await MessageLimits.shared().admit(
            sender_id=sender_id, address=None, text=text
        ):
            logger.info(
                "%s message refused by the rate limit: sender=%s",
                self.CHANNEL,
                sender_id,
            )
            await replies.send_named(agent, output, sender_id, replies.RATE_LIMITED)
            await output.flush()
            return
        for notice in replies.notices_for(guarded) if guarded is not None else []:
            await replies.send_named(agent, output, sender_id, notice)
        await self._on_new_message(
            UserMessage(
                text,
                output,
                sender_id,
                input_channel=self.CHANNEL,
                message_id=message.message_id,
                metadata=metadata,
            )
        )
        # Only a turn that completed is sent: a failed one is processed again.
        await output.flush()

    def process_later(self, claimed: Sequence[Claimed]) -> None:
        """Process claimed messages after the webhook answered."""
        if claimed and self.queue is not None:
            self.queue.process_later(claimed)


def record_statuses(channel: str, statuses: Sequence[Any]) -> int:
    """Record the provider's delivery reports (worker-thread code); returns count.

    A report that one of our messages failed after the provider accepted it
    (e.g. the patient's phone could not be reached) is put in front of staff
    like any undelivered message.
    """
    from bot.store.messaging import record_receipt
    from bot.store.models import Conversation
    from bot.store.tickets import add_note, open_ticket

    recorded = 0
    for status in statuses:
        if status.status == "queued":  # Twilio's first report says nothing new
            continue
        with session_scope() as session:
            message = record_receipt(
                session=session,
                status=status.status,
                provider_message_id=status.provider_message_id,
                outbox_id=status.outbox_id,
                error_code=status.error_code or None,
            )
            if message is None:
                continue
            recorded += 1
            conversation = session.get(Conversation, message.conversation_id)
            if status.status != "failed" or conversation is None:
                continue
            logger.error(
                "%s reports a message NOT delivered (code %s): outbox=%d sender=%s",
                channel,
                status.error_code or "?",
                message.id,
                conversation.sender_id,
            )
            ticket = open_ticket(
                session=session,
                conversation=conversation,
                reason="delivery_failed",
                priority="high",
            )
            add_note(
                session=session,
                ticket=ticket,
                author=None,
                body=(
                    "WhatsApp reported a message to the patient as not delivered "
                    f"(code {status.error_code or 'unknown'})."
                ),
            )
    return recorded
