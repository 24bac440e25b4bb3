"""``python -m bot.console [serve|create-admin|demo-account]``.

* ``serve`` (the default): run the console.
* ``create-admin --email E [--name N] [--password-stdin]``: the first
  administrator (asks for the password twice unless ``--password-stdin``).
* ``demo-account``: development only: create (or reset) a demo coordinator
  with a new random password and print how to sign in, so that a new user can
  play the patient and the coordinator at once. Refused outside development.

Exit status 0 on success, 1 on an error, 2 on bad usage or a refusal.
"""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from typing import List, Optional

from sqlalchemy.exc import IntegrityError

from bot.settings import SettingsError, get_settings
from bot.store.db import session_scope
from bot.store.staff import create_staff, get_staff_by_email, set_password

DEMO_EMAIL = "demo.coordinator@example.org"
DEMO_NAME = "Demo Coordinator"


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password (at least 12 characters): ")
    second = getpass.getpass("Again: ")
    if first != second:
        raise ValueError("the two passwords differ")
    return first


def create_admin(email: str, name: Optional[str], password: str) -> int:
    """Create an administrator; returns the exit status."""
    try:
        with session_scope() as session:
            staff = create_staff(
                session=session,
                email=email,
                password=password,
                role="admin",
                display_name=name,
                actor="cli",
            )
            created = staff.email
    except IntegrityError:
        print(f"error: an account for {email} already exists", file=sys.stderr)
        return 1
    print(f"administrator {created} created; sign in at /console/")
    return 0


def demo_account(console_url: str) -> int:
    """Create or reset the demo coordinator (development only)."""
    settings = get_settings()
    if not settings.is_development:
        print(
            f"refused: APP_ENV={settings.app_env}; the demo coordinator exists only "
            "in development",
            file=sys.stderr,
        )
        return 2
    password = secrets.token_urlsafe(12)
    with session_scope() as session:
        staff = get_staff_by_email(session=session, email=DEMO_EMAIL)
        if staff is None:
            create_staff(
                session=session,
                email=DEMO_EMAIL,
                password=password,
                role="coordinator",
                display_name=DEMO_NAME,
                actor="cli:demo",
            )
        else:
            set_password(session=session, staff=staff, password=password)
            staff.active = True
    print(f"  Coordinator console:             {console_url}/console/")
    print(f"    sign in as {DEMO_EMAIL}")
    print(f"    password   {password}   (new at every start; development only)")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Run one command."""
    parser = argparse.ArgumentParser(prog="python -m bot.console")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the console (default)")
    admin = sub.add_parser("create-admin", help="create an administrator")
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", default=None)
    admin.add_argument("--password-stdin", action="store_true")
    demo = sub.add_parser("demo-account", help="development: a demo coordinator")
    demo.add_argument("--console-url", default=None)
    args = parser.parse_args(argv)

    try:
        if args.command in (None, "serve"):
            from bot.console.app import main as serve

            serve()
            return 0
        if args.command == "create-admin":
            return create_admin(
                args.email, args.name, _read_password(args.password_stdin)
            )
        url = args.console_url or get_settings().console_public_url
        return demo_account(url.rstrip("/"))
    except (ValueError, SettingsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
