"""Staff sign-in, sessions, CSRF and roles for the console.

* **Sessions** are server-side (:mod:`bot.store.staff_sessions`): the cookie
  holds a random token (HttpOnly, SameSite=Lax, ``Secure`` and the
  ``__Host-`` prefix outside development); a new one is issued at every
  sign-in (no fixation); a session ends after ``CONSOLE_IDLE_MINUTES``
  without a request and after ``CONSOLE_SESSION_HOURS`` in any case;
  disabling an account ends its sessions.
* **CSRF**: every change (POST) must carry the session's token, as the form
  field ``csrf_token`` or the header ``X-CSRF-Token``, and, when the browser
  sends one, an ``Origin`` equal to the console's own. The sign-in form is
  protected the same way with a token in a short-lived cookie (double submit).
* **Throttling**: after ``CONSOLE_SIGNIN_MAX_FAILURES`` (10) failed sign-ins
  in a row for one account, or ``CONSOLE_SIGNIN_MAX_FAILURES_PER_ADDRESS``
  (30) from one address, within ``CONSOLE_SIGNIN_WINDOW_MINUTES`` (15), every
  further attempt is refused (429) without checking the password, until the
  window has passed.
* **Roles**: ``coordinator`` and ``admin``; admin pages check the role.

Everything under ``/console/`` needs a session except the sign-in page and
the console's static files; an anonymous request gets 401 (or, for a page, a
redirect to the sign-in page), never data.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Awaitable, Callable, Optional
from urllib.parse import quote, urlsplit

from aiohttp import web

from bot.settings import Settings
from bot.store.audit import record_audit
from bot.store.db import session_scope
from bot.store.staff import authenticate
from bot.store.staff_sessions import (
    ACCOUNT,
    ADDRESS,
    clear_account_failures,
    count_failures,
    create_session,
    load_session,
    record_failure,
)

logger = logging.getLogger(__name__)

PREFIX = "/console"
PUBLIC_PATHS = frozenset({f"{PREFIX}/signin"})
STATIC_PREFIX = f"{PREFIX}/static/"
SIGNIN_CSRF_COOKIE = "console_signin_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class StaffUser:
    """The signed-in staff member, as handlers see them (no ORM object)."""

    id: int
    email: str
    name: str
    role: str
    csrf_token: str
    session_token: str

    @property
    def is_admin(self) -> bool:
        """Administrators manage accounts and may act on any ticket."""
        return self.role == "admin"


STAFF_KEY = "staff_user"


def cookie_name(settings: Settings) -> str:
    """``__Host-`` cookies are only accepted over HTTPS, with Path=/ and no Domain."""
    return "cryo_console" if settings.is_development else "__Host-cryo_console"


def display_name(email: str, name: Optional[str]) -> str:
    """The name a patient sees for a coordinator.

    Their display name, or the part of the e-mail address before the ``@``.
    """
    return " ".join((name or "").split()) or email.split("@", 1)[0]


def _throttle_key(settings: Settings, kind: str, value: str) -> str:
    secret = (settings.console_secret or "development-console-key").encode("utf-8")
    return hmac.new(
        secret, f"{kind}:{value}".encode("utf-8"), hashlib.sha256
    ).hexdigest()


def client_address(request: web.Request, settings: Settings) -> str:
    """The client's address (X-Forwarded-For's first hop behind a trusted proxy)."""
    if settings.console_trust_forwarded_for:
        forwarded = request.headers.get("X-Forwarded-For", "")
        first = forwarded.split(",", 1)[0].strip()
        if first:
            return first[:64]
    return (request.remote or "unknown")[:64]


async def in_db(work: Callable[[Any], Any]) -> Any:
    """Run ``work(session)`` in one transaction, off the event loop."""

    def run() -> Any:
        with session_scope() as session:
            return work(session)

    return await asyncio.to_thread(run)


def _same_origin(request: web.Request) -> bool:
    """No ``Origin`` (a non-browser client: the token decides) or our own one."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    parts = urlsplit(origin)
    return bool(parts.netloc) and parts.netloc == request.host


def set_session_cookie(
    response: web.StreamResponse, settings: Settings, token: str
) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Secure outside development."""
    response.set_cookie(
        cookie_name(settings),
        token,
        httponly=True,
        samesite="Lax",
        secure=not settings.is_development,
        path="/",
        max_age=settings.console_session_hours * 3600,
    )


def clear_session_cookie(response: web.StreamResponse, settings: Settings) -> None:
    """Remove the session cookie."""
    response.del_cookie(cookie_name(settings), path="/")


def _wants_json(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept or "text/event-stream" in accept


def _refuse_anonymous(request: web.Request, problem: str) -> web.StreamResponse:
    if request.method == "GET" and not _wants_json(request):
        target = request.path_qs if request.path.startswith(PREFIX) else PREFIX + "/"
        raise web.HTTPSeeOther(
            f"{PREFIX}/signin?next={quote(target, safe='')}"
            + ("&msg=expired" if problem in ("idle", "expired") else "")
        )
    raise web.HTTPUnauthorized(
        text='{"error": "sign in required"}', content_type="application/json"
    )


def check_csrf(
    request: web.Request, user: StaffUser, form_token: Optional[str]
) -> None:
    """Refuse (403) a change without the session's CSRF token or from another origin."""
    supplied = request.headers.get(CSRF_HEADER) or form_token or ""
    if not _same_origin(request) or not hmac.compare_digest(
        supplied.encode("utf-8"), user.csrf_token.encode("utf-8")
    ):
        raise web.HTTPForbidden(
            text='{"error": "missing or invalid CSRF token"}',
            content_type="application/json",
        )


def middleware(settings: Settings) -> Callable[..., Awaitable[web.StreamResponse]]:
    """Require a valid session (and, for changes, the CSRF token) under /console/."""
    idle = timedelta(minutes=settings.console_idle_minutes)

    @web.middleware
    async def require_staff(
        request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        path = request.path
        if not (path == PREFIX or path.startswith(PREFIX + "/")):
            return await handler(request)
        if path in PUBLIC_PATHS or path.startswith(STATIC_PREFIX):
            return await handler(request)
        token = request.cookies.get(cookie_name(settings))
        # Live streams are not activity: an open tab alone must not keep a
        # session alive past the idle timeout.
        touch = not path.endswith("/events")

        def load(session: Any) -> Any:
            check = load_session(session=session, token=token, idle=idle, touch=touch)
            if check.row is None:
                return check.problem
            staff = check.row.staff
            return StaffUser(
                id=staff.id,
                email=staff.email,
                name=display_name(staff.email, staff.display_name),
                role=staff.role,
                csrf_token=check.row.csrf_token,
                session_token=token or "",
            )

        found = await in_db(load)
        if not isinstance(found, StaffUser):
            return _refuse_anonymous(request, found or "missing")
        request[STAFF_KEY] = found
        if request.method not in SAFE_METHODS:
            form_token = None
            if request.content_type in (
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            ):
                form = await request.post()
                value = form.get(CSRF_FIELD)
                form_token = value if isinstance(value, str) else None
            check_csrf(request, found, form_token)
        response = await handler(request)
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    return require_staff


def current(request: web.Request) -> StaffUser:
    """The signed-in staff member (the middleware guarantees there is one)."""
    return request[STAFF_KEY]


def require_admin(request: web.Request) -> StaffUser:
    """The signed-in administrator, or 403."""
    user = current(request)
    if not user.is_admin:
        raise web.HTTPForbidden(text="administrators only")
    return user


# -- sign-in / sign-out ---------------------------------------------------------


@dataclass(frozen=True)
class SigninResult:
    """What a sign-in attempt gave."""

    token: Optional[str] = None
    throttled: bool = False


def attempt_signin(
    session: Any, settings: Settings, email: str, password: str, address: str
) -> SigninResult:
    """Check the throttle, then the password; start a session on success.

    Runs in one transaction (the caller's): counts a failure, or clears the
    account's failures and creates the session.
    """
    window = timedelta(minutes=settings.console_signin_window_minutes)
    account_key = _throttle_key(settings, ACCOUNT, email.strip().lower())
    address_key = _throttle_key(settings, ADDRESS, address)
    if (
        count_failures(
            session=session, kind=ACCOUNT, key_hash=account_key, window=window
        )
        >= settings.console_signin_max_failures
        or count_failures(
            session=session, kind=ADDRESS, key_hash=address_key, window=window
        )
        >= settings.console_signin_max_failures_per_address
    ):
        record_audit(session=session, actor="anonymous", action="signin_throttled")
        return SigninResult(throttled=True)
    staff = authenticate(session=session, email=email, password=password)
    if staff is None:
        record_failure(
            session=session, account_key=account_key, address_key=address_key
        )
        record_audit(session=session, actor="anonymous", action="signin_failed")
        return SigninResult()
    clear_account_failures(session=session, account_key=account_key)
    token, _ = create_session(
        session=session,
        staff=staff,
        lifetime=timedelta(hours=settings.console_session_hours),
    )
    record_audit(
        session=session, actor=f"staff:{staff.id}", staff_id=staff.id, action="signin"
    )
    return SigninResult(token=token)


def new_signin_csrf() -> str:
    """A token for the sign-in form (and its cookie)."""
    return secrets.token_urlsafe(24)


def signin_csrf_ok(request: web.Request, form_token: str) -> bool:
    """The sign-in form's token matches its cookie, and the origin is ours."""
    cookie = request.cookies.get(SIGNIN_CSRF_COOKIE, "")
    return (
        bool(cookie)
        and _same_origin(request)
        and hmac.compare_digest(cookie.encode("utf-8"), form_token.encode("utf-8"))
    )
