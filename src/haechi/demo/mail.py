"""The demo's mail server: a real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it gets.

The demo's notice goes out through the same e-mail channel as a real one, over SMTP, to this
server; each message it accepts is saved as ``<folder>/NNN.eml`` exactly as received (open it
in any mail program) and kept parsed for the demo to print. It runs in a thread on a port the
system picks and stops when the demo ends.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class Mailbox:
    """The messages the server accepted, in order, each also saved in ``folder``."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.messages: list[tuple[Path, EmailMessage]] = []
        self._lock = threading.Lock()
        self._earlier = len(list(folder.glob("*.eml")))  # kept by an earlier run (--keep)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """aiosmtpd's hook: keep the message, save it, accept it."""
        raw = bytes(envelope.original_content or envelope.content)
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        with self._lock:
            path = self.folder / f"{self._earlier + len(self.messages) + 1:03d}.eml"
            path.write_bytes(raw)
            self.messages.append((path, message))
        return "250 OK: kept by the haechi demo"


class _LoopbackController(Controller):
    """aiosmtpd's controller on a port the system picks (it connects back to its port)."""

    def _trigger_server(self) -> None:
        server = self.server
        assert isinstance(server, asyncio.Server), "aiosmtpd triggers its server once bound"
        self.port = server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


@contextmanager
def mail_server(folder: Path) -> Iterator[tuple[Mailbox, int]]:
    """An SMTP server on 127.0.0.1 for the length of the block; yields its mailbox and port."""
    mailbox = Mailbox(folder)
    controller = _LoopbackController(
        mailbox, hostname="127.0.0.1", port=0, ready_timeout=60.0, server_hostname="demo-mail"
    )
    controller.start()
    try:
        yield mailbox, int(controller.port)
    finally:
        controller.stop()
