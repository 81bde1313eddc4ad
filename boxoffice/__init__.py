"""Boxoffice: a GraphQL event-ticketing API that never oversells."""

__version__ = "0.1.0"
