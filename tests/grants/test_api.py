"""The grants API: the public programmes and quote, and a person's own applications."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from tests.facilities.api_support import bearer, post

from machi.grants import actions
from machi.grants.models import GrantProgramme


def test_the_programmes_list_each_track_with_its_rate_and_cap(grants, client):
    response = client.get("/api/grants/programmes", {"year": 2022, "ward": "西区"})

    assert response.status_code == 200
    [programme] = response.json()
    assert (programme["ward"], programme["fiscal_year_label"], programme["envelope"]) == (
        "西区",
        "令和4年度",
        1_282_000,
    )
    assert programme["id"] == GrantProgramme.objects.get(ward__name="西区").pk
    assert [
        (t["name"], t["rate"], t["rate_numerator"], t["rate_denominator"], t["cap"])
        for t in programme["tracks"]
    ] == [("身近な課題解決対応", "1/3", 1, 3, 200_000), ("モデル事業", "2/3", 2, 3, 400_000)]
    assert {c["name"]: c["eligible"] for c in programme["categories"]}["飲食費"] is False
    assert programme["opens_at"] == "2022-04-01T00:00:00+09:00"


def test_the_programmes_filter_by_ward_code_and_year(grants, client):
    assert [p["ward"] for p in client.get("/api/grants/programmes", {"ward": "431044"}).json()] == ["南区"]
    assert len(client.get("/api/grants/programmes", {"year": 2022}).json()) == 4
    assert client.get("/api/grants/programmes", {"year": 2023}).json() == []


def test_an_unknown_ward_is_a_400_that_says_so(grants, client):
    response = client.get("/api/grants/programmes", {"ward": "月区"})
    assert response.status_code == 400
    assert "区「月区」は登録されていません" in response.json()["detail"]


def test_the_list_takes_a_fixed_number_of_queries(grants, client):
    with CaptureQueriesContext(connection) as queries:
        assert len(client.get("/api/grants/programmes").json()) == 4
    assert len(queries) <= 4


def test_a_quote_is_the_grant_rule(programme, small, model_track, client):
    url = f"/api/grants/programmes/{programme.pk}/quote"
    for track, eligible, grant in (
        (small, 599_999, 199_000),
        (model_track, 1_000_000, 400_000),
        (small, 0, 0),
    ):
        response = post(client, url, {"track": track.pk, "eligible_expenses": eligible})
        assert response.status_code == 200
        assert response.json() == {"grant": grant, "track": track.pk, "eligible_expenses": eligible}


def test_a_quote_needs_no_sign_in_nor_csrf_token(programme, small):
    response = post(
        Client(enforce_csrf_checks=True),
        f"/api/grants/programmes/{programme.pk}/quote",
        {"track": small.pk, "eligible_expenses": 3_000},
    )
    assert response.json()["grant"] == 1_000


def test_a_quote_for_a_track_of_another_programme_is_a_400(programme, grants, client):
    other = GrantProgramme.objects.exclude(pk=programme.pk).first().tracks.first()
    response = post(
        client, f"/api/grants/programmes/{programme.pk}/quote", {"track": other.pk, "eligible_expenses": 1}
    )
    assert response.status_code == 400
    assert "この制度" in response.json()["detail"]


@pytest.mark.parametrize("amount", [-1, 10**15 + 1, 1.5, "1000", None, True])
def test_a_quote_refuses_a_negative_absurd_or_non_integer_amount(programme, small, client, amount):
    response = post(
        client,
        f"/api/grants/programmes/{programme.pk}/quote",
        {"track": small.pk, "eligible_expenses": amount},
    )
    assert response.status_code == 400
    assert "eligible_expenses" in response.json()["detail"]


def test_a_quote_for_a_missing_programme_is_a_404(grants, client):
    response = post(client, "/api/grants/programmes/999999/quote", {"track": 1, "eligible_expenses": 1})
    assert response.status_code == 404


def test_my_applications_are_those_of_my_groups(submitted, member, stranger, staff):
    actions.decide(actor=staff, application=submitted, amount_yen=180_000)

    response = bearer(member).get("/api/grants/applications/mine")

    assert response.status_code == 200
    [application] = response.json()
    assert application["number"] == submitted.number
    assert (application["status"], application["status_label"]) == ("decided", "交付決定")
    assert (application["planned_expenses"], application["planned_eligible_expenses"]) == (630_000, 600_000)
    assert (application["planned_grant"], application["decided"], application["paid"]) == (
        200_000,
        180_000,
        None,
    )
    assert bearer(stranger).get("/api/grants/applications/mine").json() == []


def test_my_applications_need_sign_in(client, grants):
    response = client.get("/api/grants/applications/mine")
    assert response.status_code == 401


def test_the_schema_documents_the_answers(client, grants):
    schema = json.loads(client.get("/api/openapi.json").content)
    quote = schema["paths"]["/api/grants/programmes/{programme_id}/quote"]["post"]
    assert set(quote["responses"]) == {"200", "400", "404"}
    assert "security" not in quote or quote["security"] == []


def test_the_grant_schemas_do_not_shadow_the_ledgers(client, grants):
    schema = json.loads(client.get("/api/openapi.json").content)

    def listed(path):
        return schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"][
            "items"
        ]["$ref"]

    assert listed("/api/grants/programmes").endswith("/GrantProgrammeOut")
    ledger = schema["components"]["schemas"][listed("/api/programmes").rsplit("/", 1)[1]]
    assert "tracks" not in ledger["properties"] and "allocation" in json.dumps(ledger["properties"])
