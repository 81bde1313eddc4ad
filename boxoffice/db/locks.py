"""Every PostgreSQL advisory-lock key Boxoffice takes, in one registry, so that no two uses ever collide.

Any constants work; they only have to be the same in every process and distinct from each other. Row locks on
events (the seat ledger's `lock_event`) are ordinary row locks and need no key.
"""

from __future__ import annotations

import enum


class AdvisoryLock(enum.IntEnum):
    # Workers starting together migrate one at a time (db/migrate.py).
    MIGRATION = 0x0B0C5_0FF1CE
    # Simulations hold it shared for their whole run, a purge of synthetic users exclusively (booking/synthetic.py).
    SYNTHETIC_USERS = 0x5_1A_B00C
    # Two processes seeding an empty database at once must not both see it empty (seed/demo.py).
    DEMO_SEED = 0xDE_30_5EED
