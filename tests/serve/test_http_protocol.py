"""`boxoffice serve`'s HTTP protocol sends each response's writes of one loop turn as one write: the same bytes, in
order, whatever the client does with the connection (keep-alive, pipelining, `Connection: close`)."""

from __future__ import annotations

import json
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import ServeProcess

QUERY = json.dumps({"query": "{ __typename }"}).encode()


@pytest.fixture(scope="module")
def server() -> Iterator[ServeProcess]:
    with tempfile.TemporaryDirectory(prefix="boxoffice-proto-", ignore_cleanup_errors=True) as tmp:
        process = ServeProcess.start(Path(tmp) / "data", "--no-demo")
        try:
            yield process
        finally:
            process.stop()


def _request(server: ServeProcess, *, close: bool = False) -> bytes:
    headers = [
        "POST /graphql HTTP/1.1",
        f"Host: 127.0.0.1:{server.port}",
        "Content-Type: application/json",
        f"Content-Length: {len(QUERY)}",
    ]
    if close:
        headers.append("Connection: close")
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + QUERY


def _read_responses(sock: socket.socket, count: int) -> list[tuple[bytes, bytes]]:
    """(status line, body) of `count` responses read off the socket, each delimited by its Content-Length."""
    buffer = b""
    responses = []
    while len(responses) < count:
        head_end = buffer.find(b"\r\n\r\n")
        if head_end >= 0:
            head = buffer[:head_end].decode("latin-1").split("\r\n")
            length = next(int(line.split(":", 1)[1]) for line in head if line.lower().startswith("content-length:"))
            if len(buffer) >= head_end + 4 + length:
                responses.append((head[0].encode(), buffer[head_end + 4 : head_end + 4 + length]))
                buffer = buffer[head_end + 4 + length :]
                continue
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {len(responses)} of {count} responses"
        buffer += chunk
    assert buffer == b""
    return responses


def test_pipelined_requests_on_one_connection_are_each_answered_whole_and_in_order(server: ServeProcess) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(_request(server) * 5)
        responses = _read_responses(sock, 5)
        # The connection is still usable afterwards.
        sock.sendall(_request(server))
        responses += _read_responses(sock, 1)
    assert [status for status, _ in responses] == [b"HTTP/1.1 200 OK"] * 6
    assert [json.loads(body) for _, body in responses] == [{"data": {"__typename": "Query"}}] * 6


def test_a_connection_close_answer_arrives_whole_before_the_connection_ends(server: ServeProcess) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(_request(server, close=True))
        [(status, body)] = _read_responses(sock, 1)
        assert sock.recv(65536) == b""  # then the server closes
    assert status == b"HTTP/1.1 200 OK"
    assert json.loads(body) == {"data": {"__typename": "Query"}}
