"""Command line of the data layer (``python -m bot.store …``).

Commands::

    migrate                      create or upgrade the schema (make migrate)
    downgrade [REV]              revert one step, or to REV ("base" = empty)
    current                      print the schema revision
    purge [--days N]             delete conversations idle for N days (make purge)
    erase --channel C --sender S delete one patient's data and Rasa events
    create-staff --email E --role R [--name N] [--password-stdin]
    rotate-keys                  re-encrypt everything with the newest key
    generate-key                 print a new key for DATA_ENCRYPTION_KEYS

Exit status 0 on success, 1 on an error (printed, never swallowed), 2 on bad usage.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import List

from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from bot.logsafety import private_umask
from bot.settings import SettingsError, get_settings
from bot.store import migrate
from bot.store.audit import staff_actor
from bot.store.crypto import generate_key
from bot.store.db import session_scope
from bot.store.errors import StoreError
from bot.store.privacy import erase_conversation, purge_expired
from bot.store.rotation import rotate_keys
from bot.store.staff import create_staff, get_staff_by_email


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _cmd_migrate(args: argparse.Namespace) -> None:
    migrate.upgrade("head")
    print(
        f"database {_safe_url(get_settings().database_url_or_default)} "
        f"at revision {migrate.current_revision()}"
    )


def _cmd_downgrade(args: argparse.Namespace) -> None:
    migrate.downgrade(args.revision)
    print(f"database at revision {migrate.current_revision() or 'base (empty)'}")


def _cmd_current(args: argparse.Namespace) -> None:
    print(migrate.current_revision() or "base (empty)")


def _cmd_purge(args: argparse.Namespace) -> None:
    with session_scope() as session:
        report = purge_expired(session=session, days=args.days)
    print(
        f"purged {report.conversations} conversations, {report.events} Rasa "
        f"events, {report.inbound_ids} inbound ids idle since "
        f"{report.cutoff:%Y-%m-%d %H:%M} UTC; {report.pending_files} WhatsApp "
        "files nobody agreed to keep"
    )


def _cmd_erase(args: argparse.Namespace) -> None:
    with session_scope() as session:
        actor, staff_id = "cli", None
        if args.by:
            staff = get_staff_by_email(session=session, email=args.by)
            if staff is None:
                raise StoreError(f"no staff account {args.by!r}")
            actor, staff_id = staff_actor(staff.id), staff.id
        report = erase_conversation(
            session=session,
            channel=args.channel,
            sender_id=args.sender,
            actor=actor,
            staff_id=staff_id,
        )
    if report.found:
        print(f"erased: {report.describe()}")
    else:
        print("nothing stored for this channel and sender (audit entry written)")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != first:
        raise StoreError("the passwords differ")
    return first


def _cmd_create_staff(args: argparse.Namespace) -> None:
    password = _read_password(args.password_stdin)
    try:
        with session_scope() as session:
            staff = create_staff(
                session=session,
                email=args.email,
                password=password,
                role=args.role,
                display_name=args.name,
            )
            staff_id, email = staff.id, staff.email
    except IntegrityError:
        raise StoreError(f"a staff account {args.email!r} already exists") from None
    print(f"created {args.role} {email} (id {staff_id})")


def _cmd_rotate_keys(args: argparse.Namespace) -> None:
    with session_scope() as session:
        counts = rotate_keys(session=session)
    total = sum(counts.values())
    detail = ", ".join(f"{name}={count}" for name, count in sorted(counts.items()))
    print(f"re-encrypted {total} rows with the newest key ({detail})")


def _cmd_generate_key(args: argparse.Namespace) -> None:
    print(generate_key())


def build_parser() -> argparse.ArgumentParser:
    """Build the ``python -m bot.store`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.store", description="The patient data layer."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("migrate", help="create or upgrade the schema").set_defaults(
        func=_cmd_migrate
    )
    down = sub.add_parser("downgrade", help="revert the schema")
    down.add_argument("revision", nargs="?", default="-1")
    down.set_defaults(func=_cmd_downgrade)
    sub.add_parser("current", help="print the schema revision").set_defaults(
        func=_cmd_current
    )

    purge = sub.add_parser("purge", help="delete conversations past retention")
    purge.add_argument("--days", type=int, default=None, help="default RETENTION_DAYS")
    purge.set_defaults(func=_cmd_purge)

    erase = sub.add_parser("erase", help="delete one patient's data")
    erase.add_argument("--channel", required=True)
    erase.add_argument("--sender", required=True)
    erase.add_argument("--by", help="e-mail of the staff member asking (audit)")
    erase.set_defaults(func=_cmd_erase)

    staff = sub.add_parser("create-staff", help="create a console account")
    staff.add_argument("--email", required=True)
    staff.add_argument("--role", required=True, choices=["coordinator", "admin"])
    staff.add_argument("--name", default=None)
    staff.add_argument("--password-stdin", action="store_true")
    staff.set_defaults(func=_cmd_create_staff)

    sub.add_parser("rotate-keys", help="re-encrypt with the newest key").set_defaults(
        func=_cmd_rotate_keys
    )
    sub.add_parser("generate-key", help="print a new Fernet key").set_defaults(
        func=_cmd_generate_key
    )
    return parser


def main(argv: List[str] | None = None) -> int:
    """Run one command; returns the exit status."""
    # The database and keys it may create under var/ are the owner's only.
    private_umask()
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (StoreError, SettingsError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
