"""Failed-login throttling, in process memory.

Each worker process counts on its own, so with `--workers N` a client gets up to N times the limit
before every worker refuses it; that is acceptable for slowing down password guessing, and needs no
shared store.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

# Keys that have had no failure for this many windows are forgotten, so memory stays bounded.
_SWEEP_EVERY = 1_000


@dataclass
class LoginThrottle:
    max_failures: int
    window_seconds: float
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _recorded: int = 0

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window_seconds:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def blocked(self, *keys: str) -> bool:
        now = self.clock()
        return any(len(self._recent(key, now)) >= self.max_failures for key in keys)

    def record_failure(self, *keys: str) -> None:
        now = self.clock()
        for key in keys:
            self._recent(key, now)
            self._failures.setdefault(key, deque()).append(now)
        self._recorded += 1
        if self._recorded % _SWEEP_EVERY == 0:
            for key in list(self._failures):
                self._recent(key, now)

    def clear(self, key: str) -> None:
        self._failures.pop(key, None)


def email_key(email: str) -> str:
    return f"email:{email.strip().lower()}"


def client_key(address: str | None) -> str:
    return f"client:{address or 'unknown'}"
