"""A real Machi for the race tests: gunicorn serving a scratch database (`bench.live_machi`), SQLite or
PostgreSQL after DATABASE_URL, started once per test module and checked for server errors on the way out.

    @pytest.fixture(scope="module")
    def machi(tmp_path_factory, race_sqlite_template):
        with served(tmp_path_factory, race_sqlite_template, "event-race", users=64, rooms=1) as machi:
            yield machi
"""

import contextlib
import os

from bench.live_machi import engine_of, live_machi

ENGINE = engine_of(os.environ.get("DATABASE_URL"))


@contextlib.contextmanager
def served(tmp_path_factory, race_sqlite_template, name: str, *, workers: int = 4, threads: int = 4, **seed):
    """A live Machi seeded with `seed` (live_machi's users, rooms, event, fund_yen …); no traceback logged."""
    with live_machi(
        engine=ENGINE,
        scratch=tmp_path_factory.mktemp(name),
        sqlite_template=race_sqlite_template,
        workers=workers,
        threads=threads,
        **seed,
    ) as machi:
        yield machi
        log = machi.log.read_text()
        assert "Traceback" not in log, log
