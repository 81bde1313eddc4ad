"""The zero-setup database: a real PostgreSQL under the data directory, shared, reused and stopped cleanly."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import psutil

from boxoffice.config import Settings
from boxoffice.db.session import resolve_database_url
from tests.support.servers import postgres_processes

# A process that takes a handle on the embedded server, runs one statement and reports the server's pid.
_CLIENT = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from boxoffice.db.embedded import EmbeddedPostgres
    pg = EmbeddedPostgres(Path(sys.argv[1]), max_connections=200)
    pg.start("boxoffice")
    print(pg.psql(sys.argv[2]).replace("\\n", " "))
    print(pg._server.get_pid(), flush=True)
    # Hold the handle until every client started together holds one (a loaded machine may start them seconds
    # apart), so "at once" means at once whatever the load.
    arrivals, together = Path(sys.argv[1]) / "arrivals", int(sys.argv[4])
    arrivals.mkdir(exist_ok=True)
    (arrivals / str(os.getpid())).touch()
    deadline = time.monotonic() + 120
    while len(list(arrivals.iterdir())) < together and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(float(sys.argv[3]))
    pg.stop()
    """
)


def _client(data_dir: Path, sql: str, hold_seconds: float = 0.0, together: int = 1) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _CLIENT, str(data_dir), sql, str(hold_seconds), str(together)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _is_gone(pid: int) -> bool:
    """Stopped: no such process, or a zombie left for a parent (pid 1 in a container) that never reaps it."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_two_processes_starting_at_once_share_one_server_and_the_last_one_out_stops_it(tmp_path: Path) -> None:
    clients = [_client(tmp_path, "SELECT 1;", hold_seconds=1.0, together=2) for _ in range(2)]
    outputs = [client.communicate(timeout=120) for client in clients]
    assert [client.returncode for client in clients] == [0, 0], [err for _, err in outputs]
    pids = {int(out.split()[-1]) for out, _ in outputs}
    assert len(pids) == 1, "both processes must have used the same server"
    assert postgres_processes(tmp_path) == []
    assert _is_gone(pids.pop())


def test_the_server_and_its_data_are_reused_across_runs(tmp_path: Path) -> None:
    first = _client(tmp_path, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (42);")
    assert first.wait(timeout=120) == 0, first.stderr.read() if first.stderr else ""
    second = _client(tmp_path, "SELECT n FROM kept;")
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert " 42 (1 row)" in out
    assert postgres_processes(tmp_path) == []


def test_with_database_url_set_nothing_is_started(tmp_path: Path) -> None:
    settings = Settings(database_url="postgresql://someone:secret@db.example:5432/tickets", data_dir=tmp_path)
    url, embedded = resolve_database_url(settings)
    assert embedded is None
    assert url == "postgresql+asyncpg://someone:secret@db.example:5432/tickets"
    assert not (tmp_path / "postgres").exists()
