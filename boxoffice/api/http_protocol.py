"""uvicorn's httptools protocol, with each response's writes of one event-loop turn sent as one.

uvicorn writes a response's status line and headers, then its body, as two `transport.write` calls: two system
calls (on loopback, each also runs the receiving side's TCP work) for every small GraphQL answer. Here a
request's writes are gathered and sent together at the end of the loop turn they were made in (or before the
connection is closed), so a response answered at once leaves in one write. Nothing else changes: the same bytes
in the same order, at most one loop turn later; WebSocket upgrades get the connection's own transport.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class _TurnBuffer:
    """A transport whose writes of one loop turn go out as one write; everything else is the real transport's."""

    __slots__ = ("_loop", "_pending", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)

    def flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending) if len(self._pending) > 1 else self._pending[0]
            self._pending = []
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._pending))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """`uvicorn.run(http=...)`: HTTP/1.1 over httptools, each request's response written once per loop turn."""

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        cycle = self.cycle
        # A fresh cycle: its task has not run yet, so none of its writes is missed.
        if cycle is not None and not cycle.response_started and not isinstance(cycle.transport, _TurnBuffer):
            cycle.transport = cast(asyncio.Transport, _TurnBuffer(self.transport, self.loop))

    def shutdown(self) -> None:
        # A response completed in this very turn may still have its bytes in the buffer: out they go first.
        cycle = self.cycle
        if cycle is not None and isinstance(cycle.transport, _TurnBuffer):
            cycle.transport.flush()
        super().shutdown()
