"""Ready upload hooks: wrap a WSGI or ASGI app so uploads matching shared banks are refused.

::

    from haechi.client import HaechiClient
    from haechi.client.hooks import AsgiUploadGuard, WsgiUploadGuard

    haechi = HaechiClient("https://haechi.example", key)
    flask_app.wsgi_app = WsgiUploadGuard(flask_app.wsgi_app, haechi, paths={"/upload"})
    fastapi_app = AsgiUploadGuard(fastapi_app, haechi, paths={"/upload"})

A ``POST`` to one of ``paths`` is read whole (up to ``max_bytes``), every file in it (each
part of a ``multipart/form-data`` body with a file name, or the body itself when it is not a
form) is hashed here by the client, and the request is answered ``422`` when one matches;
otherwise the app gets the request with its body unchanged. The image never leaves the
platform. When haechi cannot be reached, ``fail_open`` decides: let uploads through (True)
or refuse them with ``503`` (False).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Iterable
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from haechi.client.client import HaechiClient, HaechiClientError
from haechi.errors import HaechiError

REFUSED = b'{"detail": "this file cannot be posted"}'
UNAVAILABLE = b'{"detail": "uploads are paused: the check is unavailable, try again soon"}'
TOO_LARGE = b'{"detail": "the upload is too large"}'


def uploaded_files(content_type: str, body: bytes) -> list[bytes]:
    """The files of a request body: each form part with a file name, or the body itself."""
    if not content_type.startswith("multipart/form-data"):
        return [body] if body else []
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    files = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True) if part.get_filename() is not None else None
        if isinstance(payload, bytes) and payload:
            files.append(payload)
    return files


class _Guard:
    def __init__(
        self,
        client: HaechiClient,
        paths: Collection[str],
        fail_open: bool,
        max_bytes: int,
    ) -> None:
        self.client = client
        self.paths = frozenset(paths)
        self.fail_open = fail_open
        self.max_bytes = max_bytes

    def verdict(self, content_type: str, body: bytes) -> tuple[int, bytes] | None:
        """``None`` to pass the upload on, else the status and JSON body of the refusal."""
        try:
            for data in uploaded_files(content_type, body):
                if self.client.check_image(data).match:
                    return 422, REFUSED
        except HaechiClientError:
            return None if self.fail_open else (503, UNAVAILABLE)
        except HaechiError:
            return None  # not an image haechi can decode: the app's own checks decide
        return None


class WsgiUploadGuard(_Guard):
    """WSGI middleware (Flask's ``app.wsgi_app``, Django's ``application``, any WSGI app)."""

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        client: HaechiClient,
        paths: Collection[str] = ("/upload",),
        *,
        fail_open: bool = False,
        max_bytes: int = 50 * 1024 * 1024,
    ) -> None:
        super().__init__(client, paths, fail_open, max_bytes)
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") not in self.paths:
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > self.max_bytes:
            return _wsgi_answer(start_response, 413, TOO_LARGE)
        body = environ["wsgi.input"].read(length) if length else b""
        refused = self.verdict(environ.get("CONTENT_TYPE", ""), body)
        if refused is not None:
            return _wsgi_answer(start_response, *refused)
        environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)


def _wsgi_answer(start_response: Any, status: int, body: bytes) -> list[bytes]:
    reason = {413: "Payload Too Large", 422: "Unprocessable Content", 503: "Service Unavailable"}
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    start_response(f"{status} {reason[status]}", headers)
    return [body]


class AsgiUploadGuard(_Guard):
    """ASGI middleware (Starlette, FastAPI, any ASGI app); the check runs in a thread."""

    def __init__(
        self,
        app: Any,
        client: HaechiClient,
        paths: Collection[str] = ("/upload",),
        *,
        fail_open: bool = False,
        max_bytes: int = 50 * 1024 * 1024,
    ) -> None:
        super().__init__(client, paths, fail_open, max_bytes)
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        from starlette.concurrency import run_in_threadpool

        body = bytearray()
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await _asgi_answer(send, 413, TOO_LARGE)
                return
            if not message.get("more_body", False):
                break
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refused = await run_in_threadpool(
            self.verdict, headers.get("content-type", ""), bytes(body)
        )
        if refused is not None:
            await _asgi_answer(send, *refused)
            return
        sent = False

        async def replay() -> Any:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)


async def _asgi_answer(send: Any, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
