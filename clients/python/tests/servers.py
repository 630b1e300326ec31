"""Starting and stopping real couponsd processes for the tests
(``$COUPONSD_BIN serve --listen 127.0.0.1:PORT --data DIR``)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

COUPONSD_BIN = os.environ.get("COUPONSD_BIN", str(Path(__file__).resolve().parents[3] / "target/debug/couponsd"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One couponsd process; its stderr goes to ``log_path``."""

    def __init__(self, workdir: Path, name: str = "node", port: int | None = None) -> None:
        self.dir = workdir / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.addr = f"127.0.0.1:{self.port}"
        self.log_path = self.dir / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *extra: str, wait_s: float = 20.0) -> "Server":
        if not os.access(COUPONSD_BIN, os.X_OK):
            raise RuntimeError(f"COUPONSD_BIN={COUPONSD_BIN} is not an executable couponsd")
        env = {k: v for k, v in os.environ.items() if not k.startswith("COUPONSD_")}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [COUPONSD_BIN, "serve", "--listen", self.addr, "--data", str(self.dir / "data"), *extra],
                stdout=subprocess.DEVNULL, stderr=log, env=env)
        deadline = time.monotonic() + wait_s
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"couponsd exited with {self.process.returncode}:\n{self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"couponsd did not listen within {wait_s} s:\n{self.log()}") from None
                time.sleep(0.05)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill9(self) -> None:
        """SIGKILL: no shutdown path runs."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill9()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-20000:]
        except OSError:
            return ""
