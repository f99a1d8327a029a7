"""The ready upload hooks: a WSGI and an ASGI app, each served on 127.0.0.1 behind its guard,
refuse an upload matching a shared bank and pass others on with their bytes intact."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import httpx
import numpy as np
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from haechi.banks.model import NewEntry
from haechi.client import HaechiClient
from haechi.client.hooks import AsgiUploadGuard, WsgiUploadGuard
from haechi.hashing.media import hash_bytes
from haechi.hashing.signals import Signal, SignalKind
from haechi.members.model import Actor
from haechi.platform_api.sharing import share_bank
from haechi.store.banks import BankStore
from tests.platform_api.conftest import ApiServer, api_server  # noqa: F401
from tests.web.serving import serving


def _png(seed: int, turn: bool = False) -> bytes:
    pixels = (np.random.default_rng(seed).random((40, 40, 3)) * 255).astype(np.uint8)
    image = Image.fromarray(pixels).resize((320, 320), Image.Resampling.BICUBIC)
    if turn:
        image = image.transpose(Image.Transpose.ROTATE_90)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _register(server: ApiServer, data: bytes) -> None:
    hashed = hash_bytes(data)
    assert hashed.pdq is not None
    with server.app.state.db.session() as session:
        BankStore(session).create("b")
        BankStore(session).add_entries(
            "b", [NewEntry((Signal(SignalKind.PDQ, hashed.pdq.hex, 100),))]
        )
        share_bank(session, Actor.console(), "b")
    server.refreshed()


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def _wsgi(app: Any) -> Iterator[str]:
    httpd = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_wsgi_and_asgi_guards(api_server: ApiServer) -> None:  # noqa: F811
    known = _png(5)
    _register(api_server, known)
    saved: list[bytes] = []

    def wsgi_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        saved.append(environ["wsgi.input"].read(length))
        start_response("201 Created", [("Content-Type", "text/plain")])
        return [b"saved"]

    async def upload(request: Request) -> JSONResponse:
        async with request.form() as form:
            file = form["file"]
            assert not isinstance(file, str)
            saved.append(await file.read())
        return JSONResponse({"ok": True}, status_code=201)

    asgi_app = Starlette(routes=[Route("/upload", upload, methods=["POST"])])
    fresh = _png(6)
    with HaechiClient(api_server.url, api_server.key(), timeout=30) as haechi:
        guarded_wsgi = WsgiUploadGuard(wsgi_app, haechi, paths={"/upload"})
        guarded_asgi = AsgiUploadGuard(asgi_app, haechi, paths={"/upload"})
        with _wsgi(guarded_wsgi) as wsgi_url, serving(guarded_asgi) as asgi_url:  # type: ignore[arg-type]
            for url in (wsgi_url, asgi_url):
                turned = {"file": ("a.png", _png(5, turn=True), "image/png")}
                refused = httpx.post(f"{url}/upload", files=turned, timeout=60)
                assert refused.status_code == 422, refused.text
                assert refused.json() == {"detail": "this file cannot be posted"}
                passed = httpx.post(
                    f"{url}/upload", files={"file": ("b.png", fresh, "image/png")}, timeout=60
                )
                assert passed.status_code == 201, passed.text
            raw = httpx.post(f"{wsgi_url}/upload", content=known, timeout=60)  # a bare body
            assert raw.status_code == 422
            other_path = httpx.post(f"{wsgi_url}/elsewhere", content=known, timeout=60)
            assert other_path.status_code == 201  # only the guarded paths are checked
    assert fresh in saved[0] and saved[1] == fresh  # the WSGI app got the raw form, intact
    assert saved[2] == known and len(saved) == 3

    with HaechiClient("http://127.0.0.1:9", "hk_x", timeout=1, retries=0) as down:
        closed = WsgiUploadGuard(wsgi_app, down, paths={"/upload"})
        opened = WsgiUploadGuard(wsgi_app, down, paths={"/upload"}, fail_open=True)
        with _wsgi(closed) as closed_url, _wsgi(opened) as open_url:
            assert httpx.post(f"{closed_url}/upload", content=fresh).status_code == 503
            assert httpx.post(f"{open_url}/upload", content=fresh).status_code == 201
