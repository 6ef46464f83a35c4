"""machi.api_support: the pieces every app's API declares the same way answer the same way."""

import datetime as dt

import pytest
from django.utils import timezone
from ninja.errors import ValidationError

from machi import api_support
from machi.core.errors import Refused

TOKYO = timezone.get_default_timezone()


def test_bad_request_is_a_400_refusal_with_a_code():
    error = api_support.bad_request("区分はこの制度の区分ではありません")
    assert isinstance(error, Refused)
    assert (error.status, error.code, error.messages) == (
        400,
        "invalid",
        ["区分はこの制度の区分ではありません"],
    )


def test_invalid_query_names_the_parameter():
    error = api_support.invalid_query("ward", "区「中区」は登録されていません")
    assert isinstance(error, ValidationError)
    assert error.errors == [
        {"type": "value_error", "loc": ["query", "ward"], "msg": "区「中区」は登録されていません"}
    ]


def test_times_are_given_in_tokyo_and_none_stays_none():
    moment = dt.datetime(2022, 6, 1, 0, 30, tzinfo=dt.UTC)
    assert api_support.local_time(moment).utcoffset() == dt.timedelta(hours=9)
    assert api_support.local_iso(moment) == "2022-06-01T09:30:00+09:00"
    assert api_support.local_time(None) is None and api_support.local_iso(None) is None


def test_a_ward_and_a_year_are_named_the_same_in_every_answer():
    class Ward:
        name, code = "西区", "431036"

    assert api_support.ward_fields(Ward) == {"ward": "西区", "ward_code": "431036"}
    assert api_support.year_fields(2022) == {"fiscal_year": 2022, "fiscal_year_label": "令和4年度"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/projects/0", 400),
        (f"/api/projects/{2**63}", 400),
        (f"/api/projects/{2**63 - 1}", 404),
        ("/api/rooms/0/availability", 400),
        (f"/api/rooms/{2**63 - 1}/availability", 404),
        ("/api/programmes?year=1899", 400),
        ("/api/grants/programmes?year=2201", 400),
        ("/api/grants/programmes?ward=%00", 400),
    ],
)
def test_ids_and_filters_are_bounded_alike_in_every_router(client, path, status):
    assert client.get(path).status_code == status
