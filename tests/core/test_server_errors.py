"""5xx on the API are JSON in its error shape, never the HTML error page; pages keep their HTML pages.

A view that raises: the API answers 500 `{"detail", "code": "server_error"}`, and 503 with
Retry-After when the database is away. An error in the middleware, before any view, is answered the
same way by handler500 (`machi.core.views.server_error`). Pages answer with the 500 and 503 pages.
"""

import pytest
from django.db import OperationalError
from django.test import Client

from machi.core import mail

pytestmark = pytest.mark.django_db

SERVER_ERROR = {
    "detail": "サーバーで問題が起きました。しばらくしてからもう一度お試しください。",
    "code": "server_error",
}
UNAVAILABLE = {
    "detail": "ただいまデータベースに接続できません。しばらくしてからもう一度お試しください。",
    "code": "unavailable",
}


def raising(error: Exception):
    def fail(*args, **kwargs):
        raise error

    return fail


class BrokenWards:
    class objects:
        order_by = None


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


@pytest.fixture
def wards_raise(monkeypatch):
    def make(error: Exception):
        BrokenWards.objects.order_by = staticmethod(raising(error))
        monkeypatch.setattr("machi.ledger.api.Ward", BrokenWards)

    return make


def test_an_api_view_that_raises_answers_500_json(client, wards_raise):
    wards_raise(RuntimeError("boom"))
    answer = client.get("/api/wards")
    assert (answer.status_code, answer["Content-Type"]) == (500, "application/json; charset=utf-8")
    assert answer.json() == SERVER_ERROR


def test_an_api_view_that_meets_a_database_error_answers_503_json_with_retry_after(client, wards_raise):
    wards_raise(OperationalError("server closed the connection unexpectedly"))
    answer = client.get("/api/wards")
    assert (answer.status_code, answer["Retry-After"]) == (503, "30")
    assert answer.json() == UNAVAILABLE


def test_an_error_in_the_middleware_on_the_api_is_json_too(client, monkeypatch):
    monkeypatch.setattr(mail.RequestOriginMiddleware, "__call__", raising(RuntimeError("boom")))
    answer = client.get("/api/wards")
    assert (answer.status_code, answer["Content-Type"]) == (500, "application/json; charset=utf-8")
    assert answer.json() == SERVER_ERROR


def test_a_database_error_in_the_middleware_on_the_api_is_503_json(client, monkeypatch):
    monkeypatch.setattr(mail.RequestOriginMiddleware, "__call__", raising(OperationalError("terminating")))
    answer = client.get("/api/wards")
    assert (answer.status_code, answer["Retry-After"]) == (503, "30")
    assert answer.json() == UNAVAILABLE


def test_a_page_that_raises_keeps_the_html_500_page(client, monkeypatch):
    monkeypatch.setattr("machi.ledger.views.city_years", raising(RuntimeError("boom")))
    answer = client.get("/")
    assert (answer.status_code, answer["Content-Type"]) == (500, "text/html; charset=utf-8")
    assert "エラーが発生しました" in answer.content.decode()


def test_a_page_whose_middleware_meets_a_database_error_keeps_the_html_503_page(client, monkeypatch):
    monkeypatch.setattr(mail.RequestOriginMiddleware, "__call__", raising(OperationalError("terminating")))
    answer = client.get("/")
    assert (answer.status_code, answer["Retry-After"], answer["Content-Type"]) == (
        503,
        "30",
        "text/html; charset=utf-8",
    )
    assert "ただいまご利用いただけません" in answer.content.decode()
