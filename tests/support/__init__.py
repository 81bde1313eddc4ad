"""The tests' one toolbox: import from here rather than copying a helper into a test folder.

- `graphql`:   GraphQL over HTTP (one client for the ASGI app, `boxoffice serve` and in-process servers) and the
               few operations many tests send.
- `factories`: users (with or without a password that signs in), events, bulk users; the test bcrypt cost.
- `demo`:      the demo logins, taken from the seed module.
- `tables`:    row counts and snapshots of the tables, to show a refused request changed nothing.
- `servers`:   `boxoffice serve` as a subprocess, free ports, the embedded PostgreSQL's processes.

The fixtures that hand these out (`make_user`, `make_event`, `gql`, `client`, ...) are in tests/conftest.py.
"""
