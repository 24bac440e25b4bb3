"""``python -m bot.console create-admin`` and ``demo-account`` from a shell."""

from __future__ import annotations

import os
import subprocess
import sys

from bot.settings import PROJECT_ROOT


def _run(tmp_path, *args, stdin="", **env):
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "APP_ENV")}
    base.update(
        {"APP_VAR_DIR": str(tmp_path / "var"), "DATA_ENCRYPTION_KEYS": "", **env}
    )
    subprocess.run(
        [sys.executable, "-m", "bot.store", "migrate"],
        cwd=PROJECT_ROOT,
        env=base,
        capture_output=True,
        timeout=120,
        check=True,
    )
    return subprocess.run(
        [sys.executable, "-m", "bot.console", *args],
        cwd=PROJECT_ROOT,
        env=base,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_create_admin_makes_the_first_account_and_refuses_a_duplicate(tmp_path):
    made = _run(
        tmp_path,
        "create-admin",
        "--email",
        "Boss@Example.org",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert made.returncode == 0, made.stderr
    assert "administrator boss@example.org created" in made.stdout
    again = _run(
        tmp_path,
        "create-admin",
        "--email",
        "boss@example.org",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert again.returncode == 1 and "already exists" in again.stderr
    weak = _run(
        tmp_path,
        "create-admin",
        "--email",
        "x@example.org",
        "--password-stdin",
        stdin="short\n",
    )
    assert weak.returncode == 1 and "12 characters" in weak.stderr


def test_demo_coordinator_only_in_development(tmp_path):
    made = _run(tmp_path, "demo-account", "--console-url", "http://localhost:8080")
    assert made.returncode == 0, made.stderr
    assert "http://localhost:8080/console/" in made.stdout
    assert "demo.coordinator@example.org" in made.stdout
    password = made.stdout.split("password")[1].split()[0]
    assert len(password) >= 12
    from cryptography.fernet import Fernet

    # A complete production configuration: refused because it is production.
    refused = _run(
        tmp_path,
        "demo-account",
        APP_ENV="production",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.db'}",
        RASA_TOKEN="r" * 32,
        ACTION_SERVER_TOKEN="a" * 32,
        SENDER_ID_SECRET="s" * 32,
        CONSOLE_SECRET_KEY="c" * 32,
        WIDGET_SECRET="w" * 32,
        DATA_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )
    assert refused.returncode == 2, refused.stderr
    assert "refused: APP_ENV=production" in refused.stderr
    assert "demo.coordinator" not in refused.stdout
