"""What is in the tables, read straight from PostgreSQL, and what the tables refuse."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from boxoffice.db.session import Database

TABLES = ("users", "events", "bookings")


async def count_rows(db: Database, *tables: str) -> dict[str, int]:
    """Rows per table (all of TABLES unless named)."""
    async with db.engine.connect() as connection:
        return {
            table: int((await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
            for table in tables or TABLES
        }


async def table_snapshot(db: Database, *tables: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables (all of TABLES unless named), to show a refused request changed nothing."""
    async with db.engine.connect() as connection:
        return {
            table: [tuple(row) for row in await connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))]
            for table in tables or TABLES
        }


async def refused(db: Database, sql: str, constraint: str, **params: object) -> None:
    """The statement is refused by the named constraint (and so changes nothing)."""
    with pytest.raises(IntegrityError, match=constraint):
        async with db.engine.begin() as connection:
            await connection.execute(text(sql), params)
