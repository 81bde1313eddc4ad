"""Live updates: PostgreSQL LISTEN/NOTIFY fanned out to this process's GraphQL subscribers."""

from boxoffice.live.hub import LiveConfig, LiveHub

__all__ = ["LiveConfig", "LiveHub"]
