"""A throwaway Ray cluster on 127.0.0.1, for the tests and ``bench/scale.py`` only.

It is what a team would type (``ray start --head``), run as a child process with ``--block`` so
that it ends with the block: its whole process group is stopped by id, never by ``ray stop``
(which would stop every Ray cluster of the machine). ``haechi scan --runner ray`` never starts
one; it joins the cluster named in ``HAECHI_RAY_ADDRESS``.

Everything stays on the loopback interface: Ray picks the machine's outward address unless
``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` (its single-machine mode), which this sets for the head
and for the calling process (before it imports ``ray``).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path
from types import TracebackType

from haechi.distributed.cluster import RayError

LOOPBACK_ONLY = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalCluster:
    """``ray start --head --block`` with ``cpus`` CPUs on a free port of 127.0.0.1."""

    def __init__(self, cpus: int = 2, object_store_bytes: int = 300 * 1024 * 1024) -> None:
        self.cpus = cpus
        self.object_store_bytes = object_store_bytes
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self._proc: subprocess.Popen[bytes] | None = None
        self._temp = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))  # short socket paths

    def __enter__(self) -> LocalCluster:
        os.environ.update(LOOPBACK_ONLY)
        ray = shutil.which("ray", path=str(Path(sys.executable).parent)) or "ray"
        command = [
            ray, "start", "--head", "--block", f"--port={self.port}", f"--num-cpus={self.cpus}",
            "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={self._temp}",
            f"--object-store-memory={self.object_store_bytes}",
        ]  # fmt: skip
        log = (self._temp / "head.log").open("wb")
        self._proc = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **LOOPBACK_ONLY},
            start_new_session=True,  # its own process group, stopped as one
        )
        log.close()
        self._wait_ready(120.0)
        return self

    def _wait_ready(self, timeout: float) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + timeout
        log = self._temp / "head.log"
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                text = log.read_text(errors="replace")[-2000:]
                self.stop()
                raise RayError(f"ray start failed: {text}")
            if b"Ray runtime started" in log.read_bytes():
                return
            time.sleep(0.2)
        self.stop()
        raise RayError(f"ray start did not finish in {timeout:.0f} s")

    def stop(self) -> None:
        """Stop the head and every process it started (its process group), then its files."""
        proc, self._proc = self._proc, None
        if proc is not None:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                proc.wait(5.0)
            with suppress(ProcessLookupError):  # what did not stop, and the group's stragglers
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        shutil.rmtree(self._temp, ignore_errors=True)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
