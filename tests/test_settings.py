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
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["NAME"]) == ("db.example", "machi")


def test_a_kept_connection_is_checked_before_use(monkeypatch):
    """A persistent connection (PostgreSQL) is health-checked, so a database restart costs no request."""
    monkeypatch.setenv("DATABASE_URL", "postgres://machi@db.example:5432/machi")
    config = machi_settings._database()
    assert config["CONN_MAX_AGE"] > 0 and config["CONN_HEALTH_CHECKS"] is True
    monkeypatch.delenv("DATABASE_URL")
    assert machi_settings._database()["CONN_HEALTH_CHECKS"] is False  # SQLite keeps none


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
