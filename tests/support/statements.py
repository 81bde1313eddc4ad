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
