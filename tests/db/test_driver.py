"""Raw operations on a session's pooled connection: a request's session keeps one checkout between them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from boxoffice.db.driver import KEEP_CONNECTION, driver_connection
from boxoffice.db.session import Database


async def test_a_keeping_session_runs_its_raw_operations_on_one_checkout(db: Database) -> None:
    async with db.sessions() as session:
        session.info[KEEP_CONNECTION] = True
        async with driver_connection(session) as first:
            await first.fetchval("SELECT 1")
        async with driver_connection(session) as second:
            assert second is first
            assert _checked_out(db) == 1
    assert _checked_out(db) == 0


async def test_an_orm_read_before_a_raw_operation_is_ended_first_even_in_a_keeping_session(db: Database) -> None:
    async with db.sessions() as session:
        session.info[KEEP_CONNECTION] = True
        await session.execute(text("SELECT 1"))  # the ORM begins a transaction on the wire
        async with driver_connection(session) as connection:
            # Not nested inside the ORM's transaction: the raw operation's own transaction is a real one.
            assert not connection.is_in_transaction()


async def test_an_orm_read_between_raw_operations_of_a_keeping_session_is_ended_before_the_next(db: Database) -> None:
    async with db.sessions() as session:
        session.info[KEEP_CONNECTION] = True
        async with driver_connection(session) as first:
            await first.fetchval("SELECT 1")
        await session.execute(text("SELECT 1"))  # the ORM begins a transaction on the kept connection
        async with driver_connection(session) as connection:
            assert not connection.is_in_transaction()
            assert _checked_out(db) == 1


async def test_a_keeping_session_that_handed_its_connection_back_checks_one_out_again(db: Database) -> None:
    async with db.sessions() as session:
        session.info[KEEP_CONNECTION] = True
        async with driver_connection(session) as connection:
            await connection.fetchval("SELECT 1")
        await session.commit()  # as Context.release_connection does before long work
        assert _checked_out(db) == 0
        async with driver_connection(session) as connection:
            assert await connection.fetchval("SELECT 2") == 2
            assert _checked_out(db) == 1
    assert _checked_out(db) == 0


async def test_a_plain_session_hands_the_connection_back_after_each_raw_operation(db: Database) -> None:
    async with db.sessions() as session:
        async with driver_connection(session) as connection:
            await connection.fetchval("SELECT 1")
        assert _checked_out(db) == 0


def _checked_out(db: Database) -> int:
    pool: Any = db.engine.pool  # a QueuePool
    return int(pool.checkedout())
