"""Settings that must hold on every machine."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from machi import settings as machi_settings


def test_the_embedded_database_is_sqlite_in_wal_mode_with_immediate_transactions(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"MACHI_HOME": str(tmp_path)}
    probe = (
        "from django.db import connection; c = connection.cursor(); c.execute('PRAGMA journal_mode'); "
        "print(c.fetchone()[0], connection.transaction_mode, connection.settings_dict['NAME'])"
    )
    shell = subprocess.run(
        [str(Path(sys.executable).parent / "machi"), "shell", "-c", probe],
        capture_output=True,
        text=True,
        env=env,
    )
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.splitlines()[-1].split() == ["wal", "IMMEDIATE", str(tmp_path / "machi.sqlite3")]


def test_database_url_selects_postgresql(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://machi@db.example:5432/machi")
    config = machi_settings._database()
    assert config["ENGINE"] == "machi.core.postgresql"  # Django's, with its own health check
    assert (config["HOST"], config["NAME"]) == ("db.example", "machi")


def test_a_kept_connection_is_checked_before_use(monkeypatch):
    """A persistent connection (PostgreSQL) is health-checked, so a database restart costs no request."""
    monkeypatch.setenv("DATABASE_URL", "postgres://machi@db.example:5432/machi")
    config = machi_settings._database()
    assert config["CONN_MAX_AGE"] > 0 and config["CONN_HEALTH_CHECKS"] is True
    monkeypatch.delenv("DATABASE_URL")
    assert machi_settings._database()["CONN_HEALTH_CHECKS"] is False  # SQLite keeps none


@pytest.mark.parametrize(("value", "sizes"), [("2:8", (2, 8)), ("4", (4, 4)), (" 1:1 ", (1, 1))])
def test_a_pool_asked_for_replaces_the_kept_connection(monkeypatch, value, sizes):
    """MACHI_DB_POOL: a pool in each process, which Django allows only without persistent connections;
    the pool checks each connection as it lends it (CONN_HEALTH_CHECKS, ConnectionPool.check_connection)."""
    monkeypatch.setenv("DATABASE_URL", "postgres://machi@db.example:5432/machi")
    monkeypatch.setenv("MACHI_DB_POOL", value)
    config = machi_settings._database()
    pool = config["OPTIONS"]["pool"]
    assert (pool["min_size"], pool["max_size"]) == sizes
    assert pool["timeout"] > 0  # a request waits that long for a connection, then answers 503
    assert config["CONN_MAX_AGE"] == 0 and config["CONN_HEALTH_CHECKS"] is True


@pytest.mark.parametrize("value", ["", "0"])
def test_without_a_pool_each_worker_keeps_its_connection(monkeypatch, value):
    monkeypatch.setenv("DATABASE_URL", "postgres://machi@db.example:5432/machi")
    monkeypatch.setenv("MACHI_DB_POOL", value)
    config = machi_settings._database()
    assert "pool" not in config.get("OPTIONS", {})
    assert config["CONN_MAX_AGE"] == 60 and config["CONN_HEALTH_CHECKS"] is True


def test_sqlite_has_no_pool_to_ask_for(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'machi.sqlite3'}")
    monkeypatch.setenv("MACHI_DB_POOL", "2:8")
    config = machi_settings._database()
    assert "pool" not in config["OPTIONS"] and config["CONN_MAX_AGE"] == 0


@pytest.mark.parametrize("value", ["8:2", "0:4", "many", "2:", "-1"])
def test_a_pool_size_that_makes_no_sense_stops_machi_with_what_to_write(monkeypatch, value):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("DATABASE_URL", "postgres://machi@db.example:5432/machi")
    monkeypatch.setenv("MACHI_DB_POOL", value)
    with pytest.raises(ImproperlyConfigured, match="MACHI_DB_POOL"):
        machi_settings._database()


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "machi.core.postgresql",
    reason="a pool is PostgreSQL's",
)
def test_requests_are_served_through_the_pool_on_postgresql(db):
    """A production process with MACHI_DB_POOL on the test database: its requests borrow the pool's
    connections and give them back, and the readiness check the load balancer asks goes through it."""
    from urllib.parse import urlsplit, urlunsplit

    from django.db import connection

    url = urlsplit(os.environ["DATABASE_URL"])
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("MACHI_DEBUG", "MACHI_TEST_DATABASE_NAME")},
        "DATABASE_URL": urlunsplit(url._replace(path=f"/{connection.settings_dict['NAME']}")),
        "MACHI_DB_POOL": "1",  # no growth in the background: the counts below are exact
        "MACHI_SECRET_KEY": "x" * 60,
        "MACHI_ALLOWED_HOSTS": "machi.example.jp",
    }
    # Through the WSGI handler, as gunicorn calls it: the end of each request gives its connection back.
    probe = "\n".join(
        [
            "from wsgiref.util import setup_testing_defaults",
            "from django.core.wsgi import get_wsgi_application",
            "from django.db import connection",
            "app = get_wsgi_application()",
            "def get(path):",
            "    environ, said = {'PATH_INFO': path, 'HTTP_HOST': 'machi.example.jp', 'wsgi.url_scheme': 'https'}, []",
            "    setup_testing_defaults(environ)",
            "    body = app(environ, lambda status, headers: said.append(int(status[:3])))",
            "    b''.join(body); body.close()",
            "    return said[0]",
            "answers = [get(path) for path in ('/healthz/ready', '/api/wards', '/api/wards')]",
            "stats = connection.pool.get_stats()",
            "print(connection.settings_dict['CONN_MAX_AGE'], answers, stats['requests_num'],",
            "      stats['pool_size'] - stats['pool_available'], connection.connection is None)",
        ]
    )
    shell = subprocess.run(
        [str(Path(sys.executable).parent / "machi"), "shell", "-c", probe],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert shell.returncode == 0, shell.stdout + shell.stderr
    # Three requests, three loans from the pool, none still lent out when they are done.
    assert shell.stdout.splitlines()[-1] == "0 [200, 200, 200] 3 0 True"


def test_time_and_language_are_japanese_first():
    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == "Asia/Tokyo"
    assert settings.LANGUAGE_CODE == "ja"
    assert [code for code, _ in settings.LANGUAGES] == ["ja", "en"]
    assert settings.AUTH_USER_MODEL == "accounts.User"


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setattr(machi_settings, "DEBUG", False)
    monkeypatch.delenv("MACHI_SECRET_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="MACHI_SECRET_KEY"):
        machi_settings._secret_key()


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "machi.core.postgresql",
    reason="prepared statements are PostgreSQL's here",
)
def test_on_postgresql_a_statement_run_again_and_again_is_prepared_once_on_the_server(db):
    """Parameters are bound by the server, and a hot statement is parsed and planned once per connection."""
    from django.db import connection

    from machi.ledger.models import Ward

    for _ in range(6):
        list(Ward.objects.filter(code="431010").values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ["%ledger_ward%"]
        )
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert len(prepared) == 1 and '"ledger_ward"."code" = $1' in prepared[0], prepared


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "machi.core.postgresql",
    reason="the kept connection's check is PostgreSQL's here",
)
def test_a_kept_connection_is_checked_without_a_round_trip_and_replaced_once_the_server_ends_it(db):
    """The check before a request reuses a connection sends nothing while the connection lives; once the
    server has ended it (as a restart does), the check retires it and the next statement reconnects."""
    import time

    from django.db import connection, connections

    kept = connections.create_connection("default")
    kept.health_check_enabled = True

    def last_statement(pid):
        with connection.cursor() as cursor:
            cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
            return cursor.fetchone()[0]

    try:
        with kept.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid() AS before_the_check")
            (pid,) = cursor.fetchone()
        assert kept.is_usable()
        assert "before_the_check" in last_statement(pid)  # no SELECT 1 reached the server

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 10
        while kept.is_usable() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not kept.is_usable()

        kept.health_check_done = False
        kept.close_if_health_check_failed()
        assert kept.connection is None
        with kept.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            assert cursor.fetchone()[0] != pid
    finally:
        kept.close()
