"""The event loop the benchmarks run on: the one `boxoffice serve` gets."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def event_loop_runner() -> Callable[[Coroutine[Any, Any, T]], T]:
    """uvloop when installed, as under `boxoffice serve` (uvicorn picks it), else the standard loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run
    return uvloop.run
