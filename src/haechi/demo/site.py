"""The demo's website: a small image board on 127.0.0.1 that re-posts victims' photos.

It stands in for the boards and file-sharing sites a monitoring group watches. It serves an
index and one page per post, each post with its picture; a post can be taken down, as a
platform does after a notice: its page then shows the board's removed-post text and its
picture answers 404, which is what the re-check looks for. It runs in a thread of the demo's
process, on a port the system picks, and stops when the demo ends.
"""

from __future__ import annotations

import html
import io
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image

REMOVED_TEXT = "삭제된 게시물입니다 (this post has been removed)"


@dataclass(frozen=True)
class Post:
    """One post of the board: a title and the picture it shows."""

    title: str
    picture: Image.Image

    def jpeg(self, quality: int = 80) -> bytes:
        """The picture as the board serves it (re-compressed, as boards do)."""
        buffer = io.BytesIO()
        self.picture.convert("RGB").save(buffer, "JPEG", quality=quality)
        return buffer.getvalue()


def _page(title: str, body: str) -> bytes:
    return (
        '<!doctype html><html lang="ko"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>{body}</body></html>"
    ).encode()


class DemoBoard:
    """The board's pages by path, and which posts were taken down."""

    def __init__(self, posts: Sequence[Post]) -> None:
        self.posts = list(posts)
        self._removed: set[int] = set()
        self._lock = threading.Lock()
        self._pictures = {n: post.jpeg() for n, post in enumerate(self.posts, 1)}

    @staticmethod
    def page_path(number: int) -> str:
        """Where post ``number`` is (1-based)."""
        return f"/board/post/{number}.html"

    @staticmethod
    def picture_path(number: int) -> str:
        """Where the picture of post ``number`` is."""
        return f"/board/img/{number}.jpg"

    def take_down(self, number: int) -> None:
        """Remove post ``number``: its page shows the removed text, its picture answers 404."""
        with self._lock:
            self._removed.add(number)

    def removed(self, number: int) -> bool:
        """Whether post ``number`` was taken down."""
        with self._lock:
            return number in self._removed

    def answer(self, path: str) -> tuple[int, str, bytes]:
        """Status, content type and body for a GET of ``path``."""
        if path in ("/", "/board", "/board/"):
            links = "".join(
                f'<li><a href="{self.page_path(n)}">{html.escape(p.title)}</a></li>'
                for n, p in enumerate(self.posts, 1)
            )
            body = f"<h1>자유게시판 (free board)</h1><ul>{links}</ul>"
            return 200, "text/html; charset=utf-8", _page("자유게시판", body)
        for number, post in enumerate(self.posts, 1):
            if path == self.page_path(number):
                if self.removed(number):
                    return 404, "text/html; charset=utf-8", _page(REMOVED_TEXT, REMOVED_TEXT)
                body = (
                    f"<h1>{html.escape(post.title)}</h1>"
                    f'<img src="{self.picture_path(number)}" alt="">'
                    '<p><a href="/board/">목록 (list)</a></p>'
                )
                return 200, "text/html; charset=utf-8", _page(post.title, body)
            if path == self.picture_path(number):
                if self.removed(number):
                    return 404, "text/plain; charset=utf-8", b"not found\n"
                return 200, "image/jpeg", self._pictures[number]
        return 404, "text/plain; charset=utf-8", b"not found\n"


def _handler(board: DemoBoard) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, content_type, body = board.answer(self.path.split("?", 1)[0])
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Keep the demo's output readable."""

    return Handler


@contextmanager
def serve_board(board: DemoBoard) -> Iterator[str]:
    """Serve ``board`` on 127.0.0.1 for the length of the block; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(board))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="demo-board", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
