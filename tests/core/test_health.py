"""/healthz/live answers without the database; /healthz/ready asks the database and says 503 when it is away."""

import pytest
from django.db import OperationalError, connection
from django.test import Client

pytestmark = pytest.mark.django_db


def test_liveness_answers_without_touching_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        answer = Client().get("/healthz/live")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})
    assert "no-cache" in answer["Cache-Control"]


def test_readiness_asks_the_database_once(django_assert_num_queries):
    with django_assert_num_queries(1):
        answer = Client().get("/healthz/ready")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok", "database": "ok"})


def test_readiness_is_503_json_when_the_database_is_away(monkeypatch):
    def away():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "ensure_connection", away)
    answer = Client().get("/healthz/ready")
    assert (answer.status_code, answer["Retry-After"]) == (503, "30")
    assert answer.json() == {"status": "unavailable", "database": "unreachable"}


def test_liveness_still_answers_when_the_database_is_away(monkeypatch):
    monkeypatch.setattr(connection, "ensure_connection", lambda: (_ for _ in ()).throw(OperationalError("x")))
    assert Client().get("/healthz/live").status_code == 200
