"""IDs arrive as strings; the database keys are bigints."""

from __future__ import annotations

from boxoffice.errors import BadUserInput

_MAX_BIGINT = 2**63 - 1


def parse_id(value: str, kind: str) -> int:
    """The integer behind an ID, or BAD_USER_INPUT saying what was wrong with it."""
    cleaned = value.strip()
    if not cleaned.isascii() or not cleaned.isdigit() or not 0 < int(cleaned) <= _MAX_BIGINT:
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise BadUserInput(f"{kind.capitalize()} id must be a positive integer, got {shown!r}")
    return int(cleaned)
