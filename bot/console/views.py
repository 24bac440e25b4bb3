"""The staff console's pages and actions (aiohttp handlers).

Server-rendered pages (Jinja2, autoescaped: patient text is always text);
every change is a POST with the session's CSRF token that redirects back
(or answers JSON to the console's script). Ticket changes are conditional
UPDATEs in the database (:mod:`bot.store.tickets`), so two coordinators
clicking "claim" at once get one winner and one "already claimed" answer,
whichever console process each reached. What the patient must see (a
coordinator joined, a reply, the coordinator finished, their data was
deleted) goes through Rasa's HTTP API (:mod:`bot.handoff.relay`).
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any, Dict, Optional
from urllib.parse import quote

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from bot.console import auth, data
from bot.console.auth import StaffUser, current, in_db
from bot.console.routes import FEED_KEY, RELAY_KEY, TEMPLATES_KEY
from bot.console.routes import SETTINGS_KEY as KEY
from bot.handoff.relay import RasaRelay, RelayError
from bot.settings import Settings
from bot.store.attachments import get_attachment
from bot.store.audit import list_audit, record_audit, staff_actor
from bot.store.conversations import set_handoff_state
from bot.store.errors import InvalidTransition, NotFound
from bot.store.messaging import mark_inbound_processed
from bot.store.models import ProcessedInbound
from bot.store.privacy import erase_conversation, purge_events_before
from bot.store.staff import (
    create_staff,
    get_staff,
    get_staff_by_email,
    list_staff,
    set_active,
)
from bot.store.staff_sessions import end_session
from bot.store.tickets import add_note as store_note
from bot.store.tickets import assign_ticket, get_ticket, release_ticket, resolve_ticket
from bot.store.types import utcnow

logger = logging.getLogger(__name__)

#: Flash messages by code (the only texts a ``msg=`` parameter can show).
MESSAGES: Dict[str, str] = {
    "claimed": "You have claimed this ticket. The patient has been told you joined.",
    "claim_lost": "Someone else claimed this ticket first.",
    "released": "The ticket is back in the queue. The patient has been told.",
    "resolved": "Resolved. The patient has been told, and the assistant answers again.",
    "sent": "Message sent.",
    "noted": "Note added.",
    "erased": "The patient's data was deleted.",
    "erased_untold": "The patient's data was deleted, but their chat could not be "
    "told (it may be closed).",
    "not_holder": "Only the coordinator who holds this ticket can do that. "
    "Claim it first.",
    "not_open": "This ticket is no longer open.",
    "relay_failed": "Saved, but the patient's chat could not be reached. Try again.",
    "confirm_erase": "Tick the box to confirm the deletion.",
    "empty": "Nothing to send.",
    "too_long": "That is too long.",
    "staff_added": "Account created.",
    "staff_updated": "Account updated.",
    "staff_invalid": "Could not create the account: check the e-mail and the password "
    "(at least 12 characters).",
    "staff_exists": "An account with that e-mail already exists.",
    "self": "You cannot disable your own account.",
    "expired": "Your session has ended. Please sign in again.",
    "signedout": "You have signed out.",
}
ERROR_CODES = frozenset(
    {
        "claim_lost",
        "not_holder",
        "not_open",
        "relay_failed",
        "confirm_erase",
        "empty",
        "too_long",
        "staff_invalid",
        "staff_exists",
        "self",
        "erased_untold",
    }
)
MAX_NOTE_CHARS = 4000
MAX_REPLY_CHARS = 4000
_NEXT = re.compile(r"^/console(/[A-Za-z0-9/_?=&%.-]*)?$")


def _settings(request: web.Request) -> Settings:
    return request.app[KEY]


def _relay(request: web.Request) -> RasaRelay:
    return request.app[RELAY_KEY]


def _wake(request: web.Request) -> None:
    request.app[FEED_KEY].wake()


def render(
    request: web.Request, template: str, status: int = 200, **context: Any
) -> web.Response:
    """A page of the console, with the signed-in user and the flash message."""
    user: Optional[StaffUser] = request.get(auth.STAFF_KEY)
    code = request.query.get("msg", "")
    body = (
        request.app[TEMPLATES_KEY]
        .get_template(template)
        .render(
            user=user,
            csrf_token=user.csrf_token if user else "",
            flash=MESSAGES.get(code),
            flash_is_error=code in ERROR_CODES,
            development=_settings(request).is_development,
            **context,
        )
    )
    return web.Response(
        text=body,
        status=status,
        content_type="text/html",
        charset="utf-8",
        headers={"Cache-Control": "no-store"},
    )


def _wants_json(request: web.Request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _done(
    request: web.Request, location: str, code: str, status: int = 200
) -> web.StreamResponse:
    """Redirect back with a message, or answer the script in JSON."""
    if _wants_json(request):
        return web.json_response(
            {
                "ok": code not in ERROR_CODES,
                "code": code,
                "message": MESSAGES.get(code),
            },
            status=status,
        )
    separator = "&" if "?" in location else "?"
    raise web.HTTPSeeOther(f"{location}{separator}msg={code}")


def _ticket_id(request: web.Request) -> int:
    value = request.match_info.get("ticket_id", "")
    if not value.isdigit() or len(value) > 12:
        raise web.HTTPNotFound(text="no such ticket")
    return int(value)


def _ticket_url(ticket_id: int) -> str:
    return f"/console/tickets/{ticket_id}"


# -- sign-in --------------------------------------------------------------------


async def signin_page(request: web.Request) -> web.Response:
    """``GET /console/signin``."""
    token = auth.new_signin_csrf()
    response = render(
        request,
        "signin.html",
        signin_csrf=token,
        next=request.query.get("next", ""),
        error=None,
    )
    _set_signin_cookie(response, _settings(request), token)
    return response


def _set_signin_cookie(
    response: web.StreamResponse, settings: Settings, token: str
) -> None:
    response.set_cookie(
        auth.SIGNIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=not settings.is_development,
        path="/console/signin",
        max_age=3600,
    )


async def signin_submit(request: web.Request) -> web.StreamResponse:
    """``POST /console/signin``: throttled, CSRF-checked, new session id."""
    settings = _settings(request)
    form = await request.post()
    email = str(form.get("email", ""))[:320]
    password = str(form.get("password", ""))[:2048]
    next_path = str(form.get("next", ""))
    if not auth.signin_csrf_ok(request, str(form.get(auth.CSRF_FIELD, ""))):
        raise web.HTTPForbidden(text="The sign-in form expired. Reload the page.")
    address = auth.client_address(request, settings)
    result = await in_db(
        lambda session: auth.attempt_signin(session, settings, email, password, address)
    )
    if result.token is None:
        token = auth.new_signin_csrf()
        minutes = settings.console_signin_window_minutes
        error = (
            f"Too many failed sign-ins. Try again in {minutes} minutes."
            if result.throttled
            else "The e-mail address or the password is not right."
        )
        response = render(
            request,
            "signin.html",
            status=429 if result.throttled else 401,
            signin_csrf=token,
            next=next_path,
            error=error,
            email=email,
        )
        _set_signin_cookie(response, settings, token)
        return response
    old = request.cookies.get(auth.cookie_name(settings))
    if old:
        await in_db(lambda session: end_session(session=session, token=old))
    target = next_path if _NEXT.match(next_path) else "/console/"
    response = web.HTTPSeeOther(target)
    auth.set_session_cookie(response, settings, result.token)
    response.del_cookie(auth.SIGNIN_CSRF_COOKIE, path="/console/signin")
    raise response


async def signout(request: web.Request) -> web.StreamResponse:
    """``POST /console/signout``."""
    user = current(request)

    def work(session: Any) -> None:
        end_session(session=session, token=user.session_token)
        record_audit(
            session=session,
            actor=f"staff:{user.id}",
            staff_id=user.id,
            action="signout",
        )

    await in_db(work)
    response = web.HTTPSeeOther("/console/signin?msg=signedout")
    auth.clear_session_cookie(response, _settings(request))
    raise response


# -- queue and ticket pages -------------------------------------------------------


async def queue_page(request: web.Request) -> web.Response:
    """``GET /console/``: the queue (Mine / Unassigned / All)."""
    user = current(request)
    rows = await in_db(lambda session: data.queue_page(session, user.id))
    view = request.query.get("view", "all")
    if view not in ("all", "mine", "unassigned"):
        view = "all"
    return render(request, "queue.html", rows=rows, view=view)


async def ticket_page(request: web.Request) -> web.Response:
    """``GET /console/tickets/{id}``: the summary packet, the live conversation."""
    user = current(request)
    ticket_id = _ticket_id(request)
    try:
        view = await in_db(
            lambda session: data.ticket_page(session, ticket_id, user.id)
        )
    except NotFound:
        raise web.HTTPNotFound(text="no such ticket") from None
    holder = view["ticket"]["assignee_id"] == user.id
    return render(request, "ticket.html", v=view, holder=holder)


# -- ticket actions -------------------------------------------------------------


def _load(session: Any, ticket_id: int) -> Any:
    """The ticket, or 404 (a guessed id shows nothing)."""
    try:
        return get_ticket(session=session, ticket_id=ticket_id)
    except NotFound:
        raise web.HTTPNotFound(text="no such ticket") from None


async def claim(request: web.Request) -> web.StreamResponse:
    """``POST /console/tickets/{id}/claim``: atomic; the loser is told."""
    user = current(request)
    ticket_id = _ticket_id(request)
    form = await request.post()
    takeover = user.is_admin and form.get("takeover") == "yes"

    def work(session: Any) -> Optional[str]:
        ticket = _load(session, ticket_id)
        staff = get_staff(session=session, staff_id=user.id)
        try:
            assign_ticket(
                session=session, ticket=ticket, staff=staff, takeover=takeover
            )
        except InvalidTransition:
            return None
        set_handoff_state(
            session=session, conversation=ticket.conversation, state="active"
        )
        return ticket.conversation.sender_id

    sender_id = await in_db(work)
    if sender_id is None:
        return _done(request, _ticket_url(ticket_id), "claim_lost", status=409)
    _wake(request)
    try:
        await _relay(request).joined(sender_id, user.name)
    except RelayError as error:
        logger.warning(
            "claim of ticket %s not told to the patient: %s", ticket_id, error
        )
        return _done(request, _ticket_url(ticket_id), "relay_failed", status=502)
    return _done(request, _ticket_url(ticket_id), "claimed")


async def release(request: web.Request) -> web.StreamResponse:
    """``POST /console/tickets/{id}/release``: back to the queue."""
    user = current(request)
    ticket_id = _ticket_id(request)

    def work(session: Any) -> Optional[str]:
        ticket = _load(session, ticket_id)
        staff = get_staff(session=session, staff_id=user.id)
        try:
            release_ticket(
                session=session, ticket=ticket, staff=staff, force=user.is_admin
            )
        except InvalidTransition:
            return None
        set_handoff_state(
            session=session, conversation=ticket.conversation, state="waiting"
        )
        return ticket.conversation.sender_id

    sender_id = await in_db(work)
    if sender_id is None:
        return _done(request, _ticket_url(ticket_id), "not_holder", status=409)
    _wake(request)
    try:
        await _relay(request).released(sender_id, user.name)
    except RelayError as error:
        logger.warning("release of ticket %s not told: %s", ticket_id, error)
        return _done(request, "/console/", "relay_failed", status=502)
    return _done(request, "/console/", "released")


async def resolve(request: web.Request) -> web.StreamResponse:
    """``POST /console/tickets/{id}/resolve``: the bot answers the patient again."""
    user = current(request)
    ticket_id = _ticket_id(request)

    def work(session: Any) -> Optional[Any]:
        ticket = _load(session, ticket_id)
        staff = get_staff(session=session, staff_id=user.id)
        was_assigned = ticket.status == "assigned"
        try:
            resolve_ticket(
                session=session,
                ticket=ticket,
                staff=staff,
                require_holder=not user.is_admin,
            )
        except InvalidTransition:
            return None
        set_handoff_state(session=session, conversation=ticket.conversation, state=None)
        return ticket.conversation.sender_id, was_assigned

    found = await in_db(work)
    if found is None:
        return _done(request, _ticket_url(ticket_id), "not_holder", status=409)
    sender_id, was_assigned = found
    _wake(request)
    try:
        await _relay(request).finished(sender_id, user.name)
    except RelayError as error:
        logger.warning("resolution of ticket %s not told: %s", ticket_id, error)
        return _done(request, _ticket_url(ticket_id), "relay_failed", status=502)
    return _done(request, _ticket_url(ticket_id), "resolved")


async def reply(request: web.Request) -> web.StreamResponse:
    """``POST /console/tickets/{id}/reply``: a message to the patient, on their channel.

    Only the coordinator holding the ticket may write. A form carries a
    one-time ``nonce``: a double click or a re-submitted form sends once.
    """
    user = current(request)
    ticket_id = _ticket_id(request)
    form = await request.post()
    text = str(form.get("text", "")).strip()
    nonce = str(form.get("nonce", ""))[:64]
    if not text:
        return _done(request, _ticket_url(ticket_id), "empty", status=400)
    if len(text) > MAX_REPLY_CHARS:
        return _done(request, _ticket_url(ticket_id), "too_long", status=400)

    def check(session: Any) -> Any:
        ticket = _load(session, ticket_id)
        if ticket.status != "assigned" or ticket.assignee_id != user.id:
            return "not_holder"
        if nonce and not mark_inbound_processed(
            session=session, channel="console-reply", message_id=f"{user.id}:{nonce}"
        ):
            return "duplicate"
        return ticket.conversation.sender_id

    outcome = await in_db(check)
    if outcome == "not_holder":
        return _done(request, _ticket_url(ticket_id), "not_holder", status=409)
    if outcome == "duplicate":
        return _done(request, _ticket_url(ticket_id), "sent")
    try:
        await _relay(request).send_staff_message(outcome, text, user.name)
    except RelayError as error:
        logger.warning("reply on ticket %s not delivered: %s", ticket_id, error)
        if nonce:
            from sqlalchemy import delete

            await in_db(
                lambda session: session.execute(
                    delete(ProcessedInbound).where(
                        ProcessedInbound.channel == "console-reply",
                        ProcessedInbound.message_id == f"{user.id}:{nonce}",
                    )
                )
            )
        return _done(request, _ticket_url(ticket_id), "relay_failed", status=502)

    def record(session: Any) -> None:
        ticket = _load(session, ticket_id)
        ticket.updated_at = utcnow()
        record_audit(
            session=session,
            actor=staff_actor(user.id),
            staff_id=user.id,
            action="reply_sent",
            conversation_id=ticket.conversation_id,
            detail=f"ticket={ticket_id} chars={len(text)}",
        )

    await in_db(record)
    _wake(request)
    return _done(request, _ticket_url(ticket_id), "sent")


async def add_note(request: web.Request) -> web.StreamResponse:
    """``POST /console/tickets/{id}/notes``: a note for staff, never sent."""
    user = current(request)
    ticket_id = _ticket_id(request)
    form = await request.post()
    body = str(form.get("body", "")).strip()
    if not body:
        return _done(request, _ticket_url(ticket_id), "empty", status=400)
    if len(body) > MAX_NOTE_CHARS:
        return _done(request, _ticket_url(ticket_id), "too_long", status=400)

    def work(session: Any) -> None:
        ticket = _load(session, ticket_id)
        store_note(
            session=session,
            ticket=ticket,
            author=get_staff(session=session, staff_id=user.id),
            body=body,
        )

    await in_db(work)
    _wake(request)
    return _done(request, _ticket_url(ticket_id), "noted")


async def erase(request: web.Request) -> web.StreamResponse:
    """``POST /console/tickets/{id}/erase``: carry out "delete my data".

    The coordinator holding the ticket, or an administrator, with the
    confirmation box ticked. Everything stored about the patient on this
    channel goes (:func:`bot.store.privacy.erase_conversation`, audited with
    counts only); then the patient is told on their channel; then a second
    pass removes any event older than the deletion that a turn Rasa was
    processing meanwhile wrote back (:func:`bot.store.privacy.
    purge_events_before`).
    """
    user = current(request)
    ticket_id = _ticket_id(request)
    form = await request.post()
    if form.get("confirm") != "yes":
        return _done(request, _ticket_url(ticket_id), "confirm_erase", status=400)

    def work(session: Any) -> Any:
        ticket = _load(session, ticket_id)
        if not user.is_admin and ticket.assignee_id != user.id:
            return None
        conversation = ticket.conversation
        channel, sender_id = conversation.channel, conversation.sender_id
        erase_conversation(
            session=session,
            channel=channel,
            sender_id=sender_id,
            actor=f"staff:{user.id}",
            staff_id=user.id,
        )
        return channel, sender_id

    erased_at = time.time()
    found = await in_db(work)
    if found is None:
        return _done(request, _ticket_url(ticket_id), "not_holder", status=409)
    channel, sender_id = found
    _wake(request)
    code = "erased"
    try:
        # Rasa handles this after any turn of the conversation in progress.
        await _relay(request).erased(sender_id, channel)
    except RelayError as error:
        logger.warning("erasure done but not told to the patient: %s", error)
        code = "erased_untold"

    def second_pass(session: Any) -> None:
        ghosts = purge_events_before(
            session=session, sender_id=sender_id, before=erased_at
        )
        if ghosts:
            record_audit(
                session=session,
                actor=staff_actor(user.id),
                staff_id=user.id,
                action="erase_events_written_back",
                detail=f"events={ghosts}",
            )

    await in_db(second_pass)
    return _done(request, "/console/", code)


_RENDERABLE = re.compile(r"(html|xml|svg|javascript|ecmascript)", re.IGNORECASE)


async def download_attachment(request: web.Request) -> web.StreamResponse:
    """``GET /console/tickets/{id}/attachments/{aid}``: always a download, audited."""
    user = current(request)
    ticket_id = _ticket_id(request)
    value = request.match_info.get("attachment_id", "")
    if not value.isdigit():
        raise web.HTTPNotFound()
    attachment_id = int(value)

    def work(session: Any) -> Any:
        ticket = _load(session, ticket_id)
        try:
            attachment = get_attachment(
                session=session,
                attachment_id=attachment_id,
                conversation=ticket.conversation,
            )
        except NotFound:
            return None
        record_audit(
            session=session,
            actor=staff_actor(user.id),
            staff_id=user.id,
            action="download_attachment",
            conversation_id=ticket.conversation_id,
            detail=f"ticket={ticket_id} attachment={attachment_id}",
        )
        return attachment.content, attachment.content_type, attachment.filename

    found = await in_db(work)
    if found is None:
        raise web.HTTPNotFound()
    content, content_type, filename = found
    if _RENDERABLE.search(content_type):
        content_type = "application/octet-stream"
    name = filename or f"attachment-{attachment_id}"
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:100] or "attachment"
    return web.Response(
        body=content,
        headers={
            "Content-Type": content_type,
            "Content-Disposition": (
                f'attachment; filename="{ascii_name}"; '
                f"filename*=UTF-8''{quote(name, safe='')}"
            ),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


# -- administration ---------------------------------------------------------------


async def staff_page(request: web.Request) -> web.Response:
    """``GET /console/staff``: accounts (administrators only)."""
    auth.require_admin(request)

    def work(session: Any) -> Any:
        return [
            {
                "id": s.id,
                "email": s.email,
                "name": s.display_name or "",
                "role": s.role,
                "active": s.active,
                "last_login_at": data.iso(s.last_login_at),
            }
            for s in list_staff(session=session)
        ]

    return render(request, "staff.html", accounts=await in_db(work))


async def staff_add(request: web.Request) -> web.StreamResponse:
    """``POST /console/staff``: create a coordinator or an administrator."""
    admin = auth.require_admin(request)
    form = await request.post()
    email = str(form.get("email", ""))[:320]
    role = str(form.get("role", "coordinator"))
    name = str(form.get("name", "")).strip()[:120] or None
    password = str(form.get("password", ""))

    def work(session: Any) -> str:
        if get_staff_by_email(session=session, email=email) is not None:
            return "staff_exists"
        create_staff(
            session=session,
            email=email,
            password=password,
            role=role,
            display_name=name,
            actor=f"staff:{admin.id}",
        )
        return "staff_added"

    try:
        code = await in_db(work)
    except ValueError:
        code = "staff_invalid"
    except IntegrityError:
        code = "staff_exists"
    return _done(
        request, "/console/staff", code, status=200 if code == "staff_added" else 400
    )


async def staff_active(request: web.Request) -> web.StreamResponse:
    """``POST /console/staff/{id}/active``: disable (signs them out) or enable."""
    admin = auth.require_admin(request)
    value = request.match_info.get("staff_id", "")
    if not value.isdigit():
        raise web.HTTPNotFound()
    staff_id = int(value)
    form = await request.post()
    active = form.get("active") == "yes"
    if staff_id == admin.id and not active:
        return _done(request, "/console/staff", "self", status=400)

    def work(session: Any) -> bool:
        staff = get_staff(session=session, staff_id=staff_id)
        if staff is None:
            return False
        set_active(
            session=session,
            staff=staff,
            active=active,
            by=get_staff(session=session, staff_id=admin.id),
        )
        return True

    if not await in_db(work):
        raise web.HTTPNotFound()
    return _done(request, "/console/staff", "staff_updated")


async def audit_page(request: web.Request) -> web.Response:
    """``GET /console/audit``: the newest audit entries (administrators only)."""
    admin = auth.require_admin(request)

    def work(session: Any) -> Any:
        entries = [
            {
                "at": data.iso(e.at),
                "actor": e.actor,
                "action": e.action,
                "conversation_id": e.conversation_id,
                "detail": e.detail or "",
            }
            for e in list_audit(session=session, limit=300)
        ]
        record_audit(
            session=session,
            actor=staff_actor(admin.id),
            staff_id=admin.id,
            action="view_audit",
        )
        return entries

    return render(request, "audit.html", entries=await in_db(work))
