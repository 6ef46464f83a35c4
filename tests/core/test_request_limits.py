"""A request's body is held to its view's cap and refused with 413 before anything reads it."""

import io

import pytest
from django.test import Client

from machi.core.limits import RequestSizeLimitMiddleware

pytestmark = pytest.mark.django_db


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anyone reads it."""

    def readinto(self, buffer):
        raise AssertionError("the body was read")


def test_an_anonymous_400_mb_post_to_the_login_page_is_refused_unread(settings):
    client = Client()
    environ = {"CONTENT_LENGTH": str(400 * 1024 * 1024), "wsgi.input": Unreadable()}
    response = client.generic(
        "POST", "/accounts/login/", b"", content_type="application/x-www-form-urlencoded", **environ
    )
    assert response.status_code == 413
    assert (
        "送信された内容が大きすぎます（419,430,400 バイト、上限 1,048,576 バイト）"
        in response.content.decode()
    )


def test_the_api_refuses_a_large_body_in_its_error_shape_and_language():
    body = b'{"reason": "' + b"x" * (1024 * 1024) + b'"}'
    response = Client().generic(
        "PATCH", "/api/projects/1", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 413
    assert response.json() == {
        "detail": f"What was sent is too large ({len(body):,} bytes; at most 1,048,576 bytes)",
        "code": "too_large",
    }


def test_the_cap_comes_from_the_view_or_the_settings(rf, settings):
    settings.MACHI_MAX_REQUEST_BYTES = 10
    middleware = RequestSizeLimitMiddleware(lambda request: None)

    def view(request):
        return None

    small = rf.post("/x/", b"0123456789", content_type="text/plain")
    large = rf.post("/x/", b"0123456789a", content_type="text/plain")
    assert middleware.process_view(small, view, (), {}) is None
    assert middleware.process_view(large, view, (), {}).status_code == 413
    view.max_body_bytes = 11
    assert middleware.process_view(large, view, (), {}) is None
