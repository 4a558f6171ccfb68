"""App servers as real processes on one database: each a gunicorn with its own index folder and its own
`flask search follow`, as in production (docs/operations.md). Used by tests/test_two_servers.py and
benchmarks/search_lag.py."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from directory.config import PROJECT_ROOT
from directory.search.state import read_state

BIN = Path(sys.executable).parent
SECRET_KEY = "several-servers-test-secret"  # one for every server: a session made on one is read on another


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(database_url: str, folder: Path, follower: bool) -> dict:
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("REDIS_URL", "FLASK_APP", "GUNICORN_BIND", "WEB_CONCURRENCY")}
    return {**environment, "DATABASE_URL": database_url, "SEARCH_INDEX_PATH": str(folder / "search"),
            "SEARCH_FOLLOWER": "1" if follower else "0", "SECRET_KEY": SECRET_KEY,
            "INSTANCE_PATH": str(folder / "instance"),
            "SITE_URL": "http://127.0.0.1", "APP_ENV": "development", "STAFF_TWO_FACTOR_REQUIRED": "0"}


@dataclass
class Server:
    """One app server: its folder (index, instance, logs), its gunicorn and its follower."""

    name: str
    folder: Path
    port: int
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def index_root(self) -> Path:
        return self.folder / "search"

    def _start(self, role: str, command: list[str], environment: dict) -> None:
        log = (self.folder / f"{role}.log").open("w")
        self.processes[role] = subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment, stdout=log,
                                                stderr=subprocess.STDOUT)
        log.close()

    def start(self, database_url: str, workers: int = 1, interval: float = 0.2, follower: bool = True) -> None:
        """The follower first (it builds the folder's index), then gunicorn once the index is there. Without a
        follower (a single server's setting), gunicorn's workers build the index at start and write their own
        commits to it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        environment = _environment(database_url, self.folder, follower)
        if follower:
            self._start("follower", [str(BIN / "flask"), "--app", "wsgi", "search", "follow", "--interval",
                                     str(interval)], environment)
            self.wait_for(lambda: read_state(self.index_root) is not None, 120, "its follower to build the index")
        self._start("web", [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
                            "--timeout", "60", "--no-control-socket", "wsgi:app"], environment)
        self.wait_for(lambda: self.get("/health/ready")[0] == 200, 120, "gunicorn to answer with its index")

    def wait_for(self, ready, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while not ready():
            for role, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{self.name}: {role} ended ({process.returncode}):\n{self.log(role)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: waited {seconds} s for {what}")
            time.sleep(0.1)

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=10) as response:
                return response.status, response.read().decode()
        except OSError:
            return 0, ""

    def log(self, role: str) -> str:
        path = self.folder / f"{role}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> dict[str, int]:
        """SIGTERM to each process; their exit codes."""
        codes = {}
        for role, process in self.processes.items():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            try:
                codes[role] = process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[role] = process.wait()
        return codes


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)
