"""Bounded overload: HTTP requests take turns for the database in arrival order, and are turned away fast when
the line is already too long or their turn would come too late.

Each HTTP request that needs the database takes one place (a ticket) the first time it does, and keeps it until
it ends; there are as many places as the pool has connections, so a request holding one never waits for the
pool. Requests beyond that wait in one first-come-first-served line: a freed place goes to the head of the line,
never to a newcomer. A request arriving when `max_waiting` are already in line, or still waiting after
`max_wait` seconds, is refused with RATE_LIMITED before it has done anything, so a refused mutation wrote
nothing. Requests that need no database (reads served by the read cache) never wait here.
"""

from __future__ import annotations

import asyncio
from collections import deque

from boxoffice.errors import RateLimited

BUSY_MESSAGE = "The server is too busy to take this request now; try again in a moment"


class Admission:
    def __init__(self, places: int, *, max_waiting: int, max_wait: float) -> None:
        self.places = places
        self.max_waiting = max_waiting
        self.max_wait = max_wait
        self._free = places
        # Waiters in arrival order; one that gave up stays here, done, until it reaches the head and is skipped.
        self._line: deque[asyncio.Future[None]] = deque()
        self.waiting = 0
        self.refused = 0

    @property
    def in_use(self) -> int:
        return self.places - self._free

    async def acquire(self) -> None:
        """Take a place, waiting in line if need be; RATE_LIMITED when the line is full or the wait too long."""
        if self._free > 0 and not self._line:
            self._free -= 1
            return
        if self.waiting >= self.max_waiting:
            self.refused += 1
            raise RateLimited(BUSY_MESSAGE)
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._line.append(turn)
        self.waiting += 1
        try:
            await asyncio.wait_for(turn, self.max_wait)
        except TimeoutError:
            self.refused += 1
            raise RateLimited(BUSY_MESSAGE) from None
        except BaseException:
            # Cancelled while waiting; if the place was handed over at that very moment, pass it on.
            if turn.done() and not turn.cancelled():
                self.release()
            raise
        finally:
            self.waiting -= 1
            if not turn.done():
                turn.cancel()

    def release(self) -> None:
        """Give a place back: to the head of the line if anyone waits, else to the pool of free places."""
        while self._line:
            turn = self._line.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self._free += 1
