"""The benchmarks' loopback web server: fixed answers by path, as fast as asyncio serves them.

A page server that costs next to nothing, so the crawl benchmarks measure the crawler.
"""

from __future__ import annotations

import asyncio
from multiprocessing.connection import Connection

MISSING = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"


def serve_answers(answers: dict[bytes, bytes], port_out: Connection) -> None:
    """Answer each request with ``answers[path]`` (404 otherwise) on 127.0.0.1; sends the port."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                writer.write(answers.get(head.split(b" ", 2)[1], MISSING))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=512)
        port_out.send(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())
