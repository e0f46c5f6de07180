"""`posture serve` in a subprocess on a free loopback port: for tests, benchmarks and scripts."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

POSTURE = str(Path(sys.executable).parent / "posture")


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """`posture serve` on a database, started with start() and ended with stop().

    `migrate=False` serves with --no-migrate (the database is ready); otherwise the server
    migrates it first and seeds it when new, as `posture serve` does. Its output goes to
    `log` when given (stdout and stderr), else stderr to a temporary file quoted on failure.
    """

    def __init__(
        self,
        database_url: str,
        *,
        workers: int = 1,
        env: Mapping[str, str] | None = None,
        migrate: bool = True,
        log: Path | None = None,
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.migrate = migrate
        self.log_path = log
        self.env = {**os.environ, "POSTURE_DATABASE_URL": database_url, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[Any] | None = None

    def start(self, timeout: float = 60) -> None:
        """Start the server and wait until it answers /healthz; RuntimeError if it does not."""
        command = [POSTURE, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--workers", str(self.workers)]
        if not self.migrate:
            command.append("--no-migrate")
        if self.log_path is not None:
            self._log = self.log_path.open("w+b")
            stdout: IO[Any] | int = self._log
        else:
            self._log = tempfile.TemporaryFile()  # noqa: SIM115 (open while the server runs)
            stdout = subprocess.DEVNULL
        self.process = subprocess.Popen(command, env=self.env, stdout=stdout, stderr=self._log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                said = self.output()
                self.stop()
                raise RuntimeError(f"posture serve exited with {self.process.returncode}: {said}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        said = self.output()
        self.stop()
        raise RuntimeError(f"posture serve did not answer /healthz in time: {said}")

    def output(self, last: int = 2000) -> str:
        """The end of what the server wrote to its log."""
        if self._log is None or self._log.closed:
            return ""
        self._log.flush()
        self._log.seek(0)
        data: bytes = self._log.read()
        return data.decode(errors="replace")[-last:]

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Send the server `sig` and wait for it to end (killing it after 20 s)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()

    def __enter__(self) -> "ServerProcess":
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


@contextmanager
def running_server(
    database_url: str,
    *,
    workers: int = 1,
    env: Mapping[str, str] | None = None,
    migrate: bool = True,
    log: Path | None = None,
) -> Iterator[str]:
    """`posture serve` on the database while the block runs; yields its base URL."""
    with ServerProcess(database_url, workers=workers, env=env, migrate=migrate, log=log) as server:
        yield server.base
