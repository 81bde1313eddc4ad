"""The SQL statements a piece of work sends through SQLAlchemy, for tests about what a query costs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from boxoffice.db.session import Database


@contextmanager
def counting_statements(db: Database) -> Iterator[list[str]]:
    """Collects every statement sent through the database's engine while the block runs."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)


@contextmanager
def driver_statements(db: Database) -> Iterator[list[str]]:
    """Collects every statement sent on the raw asyncpg connections checked out while the block runs: raw
    operations (the booking path) and SQLAlchemy's alike, each a round trip, BEGIN and COMMIT included. Read it
    after an `await asyncio.sleep(0)`: asyncpg calls its loggers soon after each statement, not during it."""
    statements: list[str] = []
    watched: list[Any] = []

    def record(query: Any) -> None:
        statements.append(" ".join(query.query.split()))

    def on_checkout(dbapi_connection: Any, record_: Any, proxy: Any) -> None:
        raw = dbapi_connection.driver_connection
        if raw not in watched:
            raw.add_query_logger(record)
            watched.append(raw)

    event.listen(db.engine.sync_engine.pool, "checkout", on_checkout)
    try:
        yield statements
    finally:
        event.remove(db.engine.sync_engine.pool, "checkout", on_checkout)
        for raw in watched:
            raw.remove_query_logger(record)
