"""The tests' one toolbox: import from here rather than copying a helper into a test folder.

- `graphql`:   GraphQL over HTTP (one client for the ASGI app, `boxoffice serve` and in-process servers) and the
               few operations many tests send.
- `factories`: users (with or without a password that signs in), events, bulk users; the test bcrypt cost.
- `demo`:      the demo logins, taken from the seed module.
- `tables`:    row counts and snapshots of the tables, to show a refused request changed nothing; `refused`, a
               statement a constraint refuses.
- `ledger`:    an event's counters, a booking's status and history straight from the tables; waiting for an
               offer's deadline (on the database's clock) or for a status something else sets.
- `servers`:   `boxoffice serve` as a subprocess, free ports, the embedded PostgreSQL's processes.

The fixtures that hand these out (`make_user`, `make_event`, `gql`, `client`, ...) are in tests/conftest.py.
"""
