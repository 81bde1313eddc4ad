"""Whole answers to signed-out queries, kept in the public read cache until the next change it hears of.

A signed-out events page is the same for every signed-out caller, and with its rows in the read cache it still
cost ~1.3 ms of CPU per request: graphql-core completing ~250 fields, Strawberry's resolvers around each, the
cursors. Here the answer's `data` itself is kept, keyed by the document's text, its operation name and its
variables, and every signed-out caller sending the same gets it until anything changes.

What is kept is public by proof, per execution, not by a list of fields: an answer is kept only when

- the request is a query of a prepared document (api/prepared.py) over HTTP, with no Authorization header;
- its execution made no database call of its own (`Context.call`: loaders, an organizer's name, anything per
  caller or not announced by the feed marks it); the read cache's own loads are public by construction;
- it has no errors;
- every event it looked up by id was found (new events are not announced, only changes to events are: an answer
  saying there is no such event could outlive its creation; resolvers/events.py marks it);
- no notification or flush reached the read cache while it ran.

Freshness is the read cache's (live/read_cache.py): every notification about any event, and any loss of the
LISTEN connection, drops every kept answer, as it drops every page. A field whose value depends on something
else that changes without a notification (the clock, say) must read it through `Context.call`, or mark the
request with `read_beyond_public_cache`, so that its answers are not kept.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import orjson


def answer_key(query: str, operation_name: str | None, variables: dict[str, Any] | None) -> Hashable | None:
    """The answer's key: the document's text, the operation's name and the variables (keys sorted, so JSON
    objects that differ only in key order share it); None when the variables are not plain JSON values."""
    try:
        return (query, operation_name, orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS))
    except TypeError:
        return None
