"""The embedded server's socket (trust authentication: whoever reaches it is let in) stays private whatever the
data directory's path length: in the data directory, or in a short private 0700 directory of its own."""

from __future__ import annotations

import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from boxoffice.db.embedded import EmbeddedPostgres


def _socket_dir_of(data_dir: Path) -> Path:
    pg = EmbeddedPostgres(data_dir, max_connections=100)
    pg.start("boxoffice")
    try:
        assert "(1 row)" in pg.psql("SELECT 1;")
        return Path(pg._server.get_postmaster_info().socket_dir)
    finally:
        pg.stop()


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A fresh directory under /tmp, 0755: run as root, the cluster stays under the data directory itself only when
    the server's user can traverse its parents (else it moves to a short path, see test_embedded_permissions)."""
    made = Path(tempfile.mkdtemp(prefix="boxoffice-open-", dir="/tmp"))
    made.chmod(0o755)
    yield made
    shutil.rmtree(made, ignore_errors=True)


def test_a_long_data_directory_path_keeps_the_socket_in_a_private_directory(open_dir: Path) -> None:
    data_dir = open_dir / ("d" * 60) / ("e" * 60)
    data_dir.mkdir(parents=True)
    for made in (data_dir.parent, data_dir):
        made.chmod(0o755)
    socket_dir = _socket_dir_of(data_dir)
    assert len(str(socket_dir / ".s.PGSQL.5432")) < 108
    assert stat.S_IMODE(socket_dir.stat().st_mode) == 0o700
    assert socket_dir.parent == Path("/tmp") and socket_dir.name.startswith("boxoffice-pg-")


def test_a_short_data_directory_path_keeps_the_socket_in_the_data_directory(tmp_path: Path) -> None:
    socket_dir = _socket_dir_of(tmp_path)
    assert socket_dir == (tmp_path / "postgres").resolve()
    assert stat.S_IMODE(socket_dir.stat().st_mode) == 0o700
