"""The embedded server's socket (trust authentication: whoever reaches it is let in) stays private whatever the
data directory's path length: in the data directory, or in a short private 0700 directory of its own."""

from __future__ import annotations

import stat
from pathlib import Path

from boxoffice.db.embedded import EmbeddedPostgres


def _socket_dir_of(data_dir: Path) -> Path:
    pg = EmbeddedPostgres(data_dir, max_connections=100)
    pg.start("boxoffice")
    try:
        assert "(1 row)" in pg.psql("SELECT 1;")
        return Path(pg._server.get_postmaster_info().socket_dir)
    finally:
        pg.stop()


def test_a_long_data_directory_path_keeps_the_socket_in_a_private_directory(tmp_path: Path) -> None:
    data_dir = tmp_path / ("d" * 60) / ("e" * 60)
    data_dir.mkdir(parents=True)
    socket_dir = _socket_dir_of(data_dir)
    assert len(str(socket_dir / ".s.PGSQL.5432")) < 108
    assert stat.S_IMODE(socket_dir.stat().st_mode) == 0o700
    assert socket_dir.parent == Path("/tmp") and socket_dir.name.startswith("boxoffice-pg-")


def test_a_short_data_directory_path_keeps_the_socket_in_the_data_directory(tmp_path: Path) -> None:
    socket_dir = _socket_dir_of(tmp_path)
    assert socket_dir == (tmp_path / "postgres").resolve()
    assert stat.S_IMODE(socket_dir.stat().st_mode) == 0o700
