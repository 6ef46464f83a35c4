"""Errors carry their HTTP status and a code; the API maps them once (api_errors)."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import RequestFactory

from machi import api_errors
from machi.accounts.scope import NotAllowed as ScopeNotAllowed
from machi.api import api
from machi.core.errors import Conflict, NotAllowed, NotFound, Refused
from machi.facilities.actions import BookingRefused, SlotTaken
from machi.grants.actions import AlreadyPaid, EnvelopeExceeded, GrantRefused


@pytest.mark.parametrize(
    ("error", "status", "code", "django_type"),
    [
        (BookingRefused("x"), 400, "booking.refused", ValidationError),
        (SlotTaken("x"), 409, "booking.slot_taken", ValidationError),
        (GrantRefused("x"), 400, "grants.refused", ValidationError),
        (EnvelopeExceeded("x"), 409, "grants.envelope_exceeded", ValidationError),
        (AlreadyPaid("x"), 409, "grants.already_paid", ValidationError),
        (ScopeNotAllowed("x"), 403, "not_allowed", PermissionDenied),
        (NotFound("x"), 404, "not_found", Http404),
    ],
)
def test_each_error_carries_its_status_and_code(error, status, code, django_type):
    assert (error.status, error.code) == (status, code)
    assert isinstance(error, django_type)


def test_the_refusals_of_an_app_are_still_its_own_type():
    assert isinstance(SlotTaken("x"), BookingRefused) and isinstance(SlotTaken("x"), Conflict)
    assert isinstance(EnvelopeExceeded("x"), GrantRefused) and isinstance(AlreadyPaid("x"), Conflict)
    assert ScopeNotAllowed is NotAllowed
    assert Refused("x", code="ledger.something").code == "ledger.something"


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (Refused("理由"), 400, {"detail": "理由", "code": "refused", "errors": []}),
        (
            EnvelopeExceeded("予算の残りが足りません"),
            409,
            {"detail": "予算の残りが足りません", "code": "grants.envelope_exceeded"},
        ),
        (AlreadyPaid("支払済みです"), 409, {"detail": "支払済みです", "code": "grants.already_paid"}),
        (
            ValidationError({"name": ["必須です"]}),
            400,
            {"detail": "必須です", "code": "invalid", "errors": []},
        ),
    ],
)
def test_the_api_maps_a_refusal_once_to_its_status(error, status, body):
    request = RequestFactory().get("/api/")
    response = api_errors.refused(request, error, api)
    assert response.status_code == status
    assert json.loads(response.content) == body


def test_the_api_maps_not_allowed_and_not_found():
    request = RequestFactory().get("/api/")
    response = api_errors.permission_denied(
        request, NotAllowed("区の権限がありません", code="scope.ward"), api
    )
    assert (response.status_code, json.loads(response.content)) == (
        403,
        {"detail": "区の権限がありません", "code": "scope.ward"},
    )
    response = api_errors.not_found(request, Http404(), api)
    assert (response.status_code, json.loads(response.content)) == (
        404,
        {"detail": "見つかりません", "code": "not_found"},
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "ja",
            [
                "「ward」（区）は50文字以内で指定してください",
                "認証が必要です（Authorization: Bearer <トークン>、またはログインしたセッション）",
                "本文を JSON として読めません（Content-Type: application/json で JSON オブジェクトを送ってください）",
            ],
        ),
        (
            "en",
            [
                "“ward” (Ward) must be at most 50 characters",
                "Authentication is required (Authorization: Bearer <token>, or a signed-in session)",
                "The body cannot be read as JSON (send a JSON object with Content-Type: application/json)",
            ],
        ),
    ],
)
def test_a_request_that_fails_validation_is_answered_in_its_language(
    client, django_user_model, language, expected
):
    too_long = client.get("/api/projects?ward=" + "x" * 60, HTTP_ACCEPT_LANGUAGE=language)
    unauthenticated = client.patch(
        "/api/projects/1", "{not json", content_type="application/json", HTTP_ACCEPT_LANGUAGE=language
    )
    assert (too_long.status_code, too_long.json()["code"]) == (400, "invalid")
    assert too_long.json()["detail"] == expected[0]
    assert too_long.json()["errors"][0]["msg"] == expected[0]
    assert (unauthenticated.status_code, unauthenticated.json()["detail"]) == (401, expected[1])
    client.force_login(django_user_model.objects.create_user("someone"))
    not_json = client.patch(
        "/api/projects/1", "{not json", content_type="application/json", HTTP_ACCEPT_LANGUAGE=language
    )
    assert not_json.status_code == 400
    assert not_json.json()["detail"] == expected[2]
