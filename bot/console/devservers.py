"""Start the product's three processes on free ports, for tests and benchmarks.

The browser tests and ``scripts/bench_widget.py`` need the real thing: the
action server, the Rasa server (with the widget channel) and the console, each
its own process, pointed at each other through the same environment variables
``scripts/run.sh`` uses, with their data in a throw-away directory::

    with ServerSet(model=Path("models/cryo.tar.gz"), var_dir=tmp) as servers:
        page.goto(servers.console_url)
        servers.kill_rasa(); servers.start_rasa()

They are started the way ``scripts/run.sh`` starts them (the action server
with ``python -m bot.actionserver`` and its secret, Rasa with the HTTP API
behind its token, loopback only, the logging safety configuration); the
harness's own log files are private (0600) like everything the processes write.

Nothing here runs at import time. Processes are started in their own process
group and only those are signalled.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

from cryptography.fernet import Fernet

from bot.settings import PROJECT_ROOT, from_env, yaml_environment

#: Debian's Chromium, driven by Playwright in the browser tests and the bench.
CHROMIUM = "/usr/bin/chromium"
#: The machine is offline: without these Chromium keeps trying to reach Google.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

HOST = "127.0.0.1"
#: Variables that would point the children at shared infrastructure.
_ISOLATE = ("DATABASE_URL", "REDIS_URL")


def free_port() -> int:
    """A TCP port on localhost that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - localhost
            return 200 <= resp.status < 300
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


class ServerError(RuntimeError):
    """A process did not start; the message ends with its log."""


@dataclass
class ServerSet:
    """Action server, Rasa server and console on free localhost ports.

    Attributes:
        model: the trained model (``models/cryo.tar.gz``).
        var_dir: data directory (SQLite, logs, keys); a temporary one in tests.
        extra_origins: more origins the widget may connect from.
        rasa_args: extra arguments for ``rasa run``.
        app_env: ``APP_ENV`` of the processes (``test`` behaves as development;
            ``production`` gets a SQLite ``DATABASE_URL`` in ``var_dir``).
        extra_env: more environment variables (override the defaults), e.g.
            the WhatsApp channels' settings pointing at a local stand-in.
    """

    model: Path
    var_dir: Path
    extra_origins: Tuple[str, ...] = ()
    rasa_args: Tuple[str, ...] = ()
    app_env: str = "test"
    extra_env: Mapping[str, str] = field(default_factory=dict)
    root: Path = PROJECT_ROOT
    rasa_port: int = field(default_factory=free_port)
    actions_port: int = field(default_factory=free_port)
    console_port: int = field(default_factory=free_port)
    widget_secret: str = field(default_factory=lambda: secrets.token_hex(32))
    rasa_token: str = field(default_factory=lambda: secrets.token_hex(16))
    action_token: str = field(default_factory=lambda: secrets.token_hex(32))
    _procs: Dict[str, subprocess.Popen] = field(default_factory=dict, repr=False)
    _env: Optional[Dict[str, str]] = field(default=None, repr=False)

    # -- addresses ------------------------------------------------------------

    @property
    def console_url(self) -> str:
        """The demo page (and the widget files) of the console."""
        return f"http://{HOST}:{self.console_port}"

    @property
    def rasa_url(self) -> str:
        """The Rasa server (socket.io channel, HTTP API)."""
        return f"http://{HOST}:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        """The action server."""
        return f"http://{HOST}:{self.actions_port}"

    @property
    def log_dir(self) -> Path:
        """Where each process writes its output."""
        return self.var_dir / "logs"

    def environment(self) -> Dict[str, str]:
        """The environment of the three processes (built once)."""
        if self._env is not None:
            return self._env
        # The children inherit this process's environment (PATH, locale), minus
        # anything pointing at shared databases, plus their own configuration.
        env = {k: v for k, v in os.environ.items() if k not in _ISOLATE}
        origins = (self.console_url,) + tuple(self.extra_origins)
        env.update(
            {
                "RASA_TELEMETRY_ENABLED": "false",
                "TF_CPP_MIN_LOG_LEVEL": "2",
                "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
                "PYTHONDONTWRITEBYTECODE": "1",
                "APP_ENV": self.app_env,
                "APP_VAR_DIR": str(self.var_dir),
                # Rasa's structured logs as JSON (never the console renderer,
                # which prints tracebacks with local variables).
                "FORCE_JSON_LOGGING": "1",
                "RASA_URL": self.rasa_url,
                "PUBLIC_BASE_URL": self.rasa_url,
                "RASA_TOKEN": self.rasa_token,
                "RASA_HOST": HOST,
                "ACTION_SERVER_TOKEN": self.action_token,
                "ACTION_SERVER_HOST": HOST,
                "SENDER_ID_SECRET": secrets.token_hex(32),
                "CONSOLE_SECRET_KEY": secrets.token_hex(32),
                "ACTION_ENDPOINT_URL": f"{self.actions_url}/webhook",
                "CONSOLE_HOST": HOST,
                "CONSOLE_PORT": str(self.console_port),
                "WIDGET_ALLOWED_ORIGINS": ",".join(origins),
                "WIDGET_SECRET": self.widget_secret,
                "DATA_ENCRYPTION_KEYS": Fernet.generate_key().decode("ascii"),
                "CONSOLE_PUBLIC_URL": self.console_url,
            }
        )
        if self.app_env not in ("development", "test"):
            env["DATABASE_URL"] = f"sqlite:///{self.var_dir / 'app.db'}"
        env.update(self.extra_env)
        env.update(yaml_environment(from_env(env)))
        self._env = env
        return env

    # -- processes ------------------------------------------------------------

    def _bin(self, name: str) -> str:
        return str(Path(sys.executable).parent / name)

    def set_env(self, **values: str) -> None:
        """Change the environment of processes started from now on.

        A value of ``""`` removes the variable.
        """
        env = self.environment()
        for name, value in values.items():
            if value == "":
                env.pop(name, None)
            else:
                env[name] = value

    def _spawn(self, name: str, argv: List[str]) -> subprocess.Popen:
        self.log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(
            self.log_dir / f"{name}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600
        )
        log = os.fdopen(fd, "ab")
        proc = subprocess.Popen(
            argv,
            cwd=self.root,
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self._procs[name] = proc
        return proc

    def log_tail(self, name: str, lines: int = 40) -> str:
        """The end of one process's log (for error messages)."""
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def _wait(self, name: str, url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        proc = self._procs[name]
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise ServerError(
                    f"{name} exited with {proc.returncode}:\n{self.log_tail(name)}"
                )
            if _http_ok(url):
                return
            time.sleep(0.25)
        raise ServerError(
            f"{name} not ready after {timeout:.0f}s:\n{self.log_tail(name)}"
        )

    def migrate(self) -> None:
        """Create the database schema in ``var_dir`` (as ``make migrate`` does)."""
        result = subprocess.run(
            [sys.executable, "-m", "bot.store", "migrate"],
            cwd=self.root,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise ServerError(f"migration failed:\n{result.stdout}\n{result.stderr}")

    def add_staff(
        self, email: str, password: str, role: str = "coordinator", name: str = ""
    ) -> None:
        """Create a console account in this set's database (as an admin would)."""
        argv = [sys.executable, "-m", "bot.store", "create-staff", "--email", email]
        argv += ["--role", role, "--password-stdin"]
        argv += ["--name", name] if name else []
        result = subprocess.run(
            argv,
            cwd=self.root,
            env=self.environment(),
            input=password + "\n",
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise ServerError(f"create-staff failed:\n{result.stdout}\n{result.stderr}")

    def start_actions(self) -> None:
        """Start the action server (not waiting)."""
        self._spawn(
            "actions",
            [
                sys.executable,
                "-m",
                "bot.actionserver",
                "--host",
                HOST,
                "--port",
                str(self.actions_port),
            ],
        )

    def start_rasa(
        self,
        wait: bool = True,
        timeout: float = 180,
        *,
        name: str = "rasa",
        port: Optional[int] = None,
    ) -> str:
        """Start a Rasa server; by default wait until it answers.

        Args:
            wait: wait until it answers.
            timeout: how long to wait.
            name: the process's name (its log file); another name starts a
                second Rasa server on the same data (several replicas).
            port: its port (``rasa_port`` for the first one, else a free one).

        Returns:
            The server's URL.
        """
        port = port or (self.rasa_port if name == "rasa" else free_port())
        url = f"http://{HOST}:{port}"
        self._spawn(
            name,
            [
                self._bin("rasa"),
                "run",
                "--model",
                str(self.model),
                "--credentials",
                str(self.root / "credentials.yml"),
                "--endpoints",
                str(self.root / "endpoints.yml"),
                "--logging-config-file",
                str(self.root / "bot" / "logging.yml"),
                "--interface",
                HOST,
                "--port",
                str(port),
                "--cors",
                self.console_url,
                "--enable-api",
                "--auth-token",
                self.rasa_token,
                *self.rasa_args,
            ],
        )
        if wait:
            self._wait(name, f"{url}/", timeout)
        return url

    def kill(self, name: str) -> None:
        """Kill one process abruptly (SIGKILL), as a crash would."""
        self._signal(name, signal.SIGKILL)

    def stop_process(self, name: str) -> None:
        """Stop one process (SIGTERM), e.g. a second Rasa server."""
        self._signal(name, signal.SIGTERM)

    def start_console(self) -> None:
        """Start the console (not waiting)."""
        self._spawn("console", [sys.executable, "-m", "bot.console"])

    def start(self, timeout: float = 180) -> "ServerSet":
        """Migrate, start all three and wait until each answers.

        Raises:
            ServerError: a process exited or did not answer in time.
        """
        if not self.model.exists():
            raise ServerError(f"no model at {self.model}: run `make train`")
        self.var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.migrate()
        self.start_actions()
        self.start_console()
        self.start_rasa(wait=False)
        try:
            self._wait("actions", f"{self.actions_url}/health", timeout)
            self._wait("console", f"{self.console_url}/healthz", timeout)
            self._wait("rasa", f"{self.rasa_url}/", timeout)
        except ServerError:
            self.stop()
            raise
        return self

    def _signal(self, name: str, sig: int, timeout: float = 15) -> None:
        proc = self._procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=timeout)

    def kill_rasa(self) -> None:
        """Kill the Rasa server abruptly (SIGKILL), as a crash would."""
        self._signal("rasa", signal.SIGKILL)

    def stop(self) -> None:
        """Stop every process this set started."""
        for name in list(self._procs):
            self._signal(name, signal.SIGTERM)

    def __enter__(self) -> "ServerSet":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
