"""The requests' Machi API: staff's queue and changes (409 on a stale version), expenditures and refunds,
residents' own requests (no internal notes, no money), submit with the category's own questions."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from tests.facilities.api_support import bearer, post

from machi.ledger.models import FigureChange
from machi.requests import actions
from machi.requests.models import Category, Expenditure, Request

from .conftest import CITY_HALL

pytestmark = pytest.mark.django_db


@pytest.fixture
def budgeted(fund):
    fund.initial_yen = 100_000
    fund.save()
    return fund


@pytest.fixture
def alice(people):
    return people(1, prefix="alice")[0]


@pytest.fixture
def made(road, budgeted, alice):
    return actions.submit_request(
        actor=alice,
        category=road,
        description="側溝の蓋が外れている",
        latitude=CITY_HALL[0],
        longitude=CITY_HALL[1],
    )


@pytest.fixture
def desk(staff):
    return bearer(staff)


def path(request, tail=""):
    return f"/api/requests/{request.service_request_id}{tail}"


def today():
    return timezone.localdate()


def test_staff_triage_decide_and_resolve_with_a_version_and_a_409_when_stale(made, desk):
    answer = post(
        desk, path(made, "/triage"), {"to": "checking", "expected_version": 1, "internal_note": "照会"}
    )
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["status"] == "checking" and body["version"] == 2
    assert body["history"][-1]["internal_note"] == "照会"

    stale = post(desk, path(made, "/resolve"), {"expected_version": 1, "public_note": "直しました"})
    assert stale.status_code == 409 and "他の人が先に更新しました" in stale.json()["detail"]
    assert stale.json()["code"] == "requests.stale"

    done = post(desk, path(made, "/resolve"), {"expected_version": 2, "public_note": "直しました"})
    assert done.status_code == 200 and done.json()["status"] == "resolved"
    assert Request.objects.get(pk=made.pk).status == "resolved"


def test_decisions_need_their_reason_referral_or_duplicate(made, desk, road, alice):
    other = actions.submit_request(actor=alice, category=road, description="同じ側溝", address="手取本町1-1")
    missing = post(desk, path(made, "/decide"), {"to": "declined", "expected_version": 1})
    assert missing.status_code == 400 and "理由" in missing.json()["detail"]
    unknown = post(
        desk, path(made, "/decide"), {"to": "duplicate", "expected_version": 1, "duplicate_of": "1-2-3"}
    )
    assert unknown.status_code == 404

    dup = post(
        desk,
        path(other, "/decide"),
        {"to": "duplicate", "expected_version": 1, "duplicate_of": made.service_request_id},
    )
    assert dup.status_code == 200 and dup.json()["duplicate_of"] == made.service_request_id
    referred = post(
        desk, path(made, "/decide"), {"to": "referred", "expected_version": 1, "referred_to": "国道事務所"}
    )
    assert referred.status_code == 200 and referred.json()["referred_to"] == "国道事務所"


def test_the_staff_queue_is_the_actors_wards_overdue_first(made, desk, road, alice, higashi, ward_staff):
    late = actions.submit_request(
        actor=alice,
        category=road,
        description="古い申出",
        address="手取本町2-2",
        now=timezone.now() - datetime.timedelta(days=40),
    )
    queue = desk.get("/api/requests").json()
    assert queue["count"] == 2
    assert [row["code"] for row in queue["items"]] == [late.service_request_id, made.service_request_id]
    assert queue["items"][0]["late"] is True and queue["items"][1]["late"] is False
    assert desk.get("/api/requests?status=closed").json()["count"] == 0
    assert desk.get("/api/requests?status=received").json()["count"] == 2
    assert desk.get("/api/requests?status=nonsense").status_code == 400
    elsewhere = bearer(ward_staff("higashi-staff", higashi))
    assert elsewhere.get("/api/requests").json()["count"] == 0
    assert elsewhere.get(path(made)).status_code == 404


def test_the_requester_sees_their_own_without_internal_notes_or_money(made, desk, alice, people):
    post(
        desk, path(made, "/triage"), {"to": "checking", "expected_version": 1, "internal_note": "担当: 田中"}
    )
    post(
        desk,
        path(made, "/expenditures"),
        {"section": "supplies", "payee": "熊本土木", "paid_on": str(today()), "amount_yen": 1000},
    )
    mine = bearer(alice)
    listed = mine.get("/api/requests").json()
    assert [row["code"] for row in listed["items"]] == [made.service_request_id]
    own = mine.get(path(made)).json()
    assert own["description"] == "側溝の蓋が外れている"
    assert all(update["internal_note"] is None for update in own["history"])
    assert own["expenditures"] is None and own["fund"] is None and own["caller_name"] is None
    assert "田中" not in str(own) and "熊本土木" not in str(own)
    [stranger] = people(1, prefix="stranger")
    assert bearer(stranger).get(path(made)).status_code == 404
    assert Client().get(path(made)).status_code == 401
    # The requester may not act as staff.
    assert post(mine, path(made, "/resolve"), {"expected_version": 2}).status_code == 403


def test_staff_see_the_full_request_with_money_and_the_fund_left(made, desk):
    full = desk.get(path(made)).json()
    assert full["fund"]["left_yen"] == 100_000 and full["expenditures"] == [] and full["spent_yen"] == 0
    assert full["history"][0]["to_status"] == "received"


def test_expenditures_and_refunds_through_the_api(made, desk, budgeted):
    body = {
        "section": "supplies",
        "payee": "熊本土木",
        "paid_on": str(today()),
        "amount_yen": 30_000,
        "order_number": "R8-1",
    }
    paid = post(desk, path(made, "/expenditures"), body)
    assert paid.status_code == 201, paid.json()
    payment = paid.json()
    assert payment["signed_yen"] == 30_000 and payment["refundable_yen"] == 30_000

    refund = post(
        desk,
        path(made, f"/expenditures/{payment['id']}/refund"),
        {"amount_yen": 5_000, "paid_on": str(today())},
    )
    assert refund.status_code == 201 and refund.json()["signed_yen"] == -5_000
    too_much = post(
        desk,
        path(made, f"/expenditures/{payment['id']}/refund"),
        {"amount_yen": 25_001, "paid_on": str(today())},
    )
    assert too_much.status_code == 400 and "残りの25,000円まで" in too_much.json()["detail"]
    assert (
        post(
            desk, path(made, "/expenditures/999999/refund"), {"amount_yen": 1, "paid_on": str(today())}
        ).status_code
        == 404
    )

    full = desk.get(path(made)).json()
    assert full["spent_yen"] == 25_000 and full["fund"]["settled_yen"] == 25_000
    assert [row["signed_yen"] for row in full["expenditures"]] == [30_000, -5_000]
    assert full["expenditures"][0]["refundable_yen"] == 25_000
    budgeted.refresh_from_db()
    assert budgeted.settled_yen == 25_000


def test_spending_past_the_money_left_is_a_400_with_the_breakdown_unless_a_reason_is_given(
    made, desk, budgeted
):
    body = {"section": "construction", "payee": "熊本土木", "paid_on": str(today()), "amount_yen": 120_000}
    refused = post(desk, path(made, "/expenditures"), body)
    assert refused.status_code == 400
    assert (
        "予算の残りは100,000円です" in refused.json()["detail"]
        and "予算 100,000円" in refused.json()["detail"]
    )
    accepted = post(desk, path(made, "/expenditures"), body | {"overdraw_reason": "緊急の補修のため流用"})
    assert accepted.status_code == 201 and accepted.json()["overdraw_reason"] == "緊急の補修のため流用"


@pytest.mark.parametrize(
    "change",
    [
        {"section": "travel"},
        {"amount_yen": 0},
        {"amount_yen": -1},
        {"amount_yen": "―"},
        {"amount_yen": 1.5},
        {"amount_yen": 10**16},
        {"payee": ""},
        {"paid_on": "2026-02-30"},
        {"paid_on": "1999-04-01"},
    ],
)
def test_bad_expenditures_are_a_japanese_400_and_write_nothing(made, desk, change):
    body = {"section": "supplies", "payee": "熊本土木", "paid_on": str(today()), "amount_yen": 1000} | change
    answer = post(desk, path(made, "/expenditures"), body)
    assert answer.status_code == 400, answer.json()
    assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in answer.json()["detail"])
    assert not Expenditure.objects.exists()
    assert not FigureChange.objects.filter(stage="settled").exists()


def test_a_resident_submits_follows_reopens_and_withdraws(road, budgeted, alice, people, desk):
    mine = bearer(alice)
    made = post(
        mine, "/api/requests", {"service_code": "431010-road", "description": "穴", "address": "手取本町1-1"}
    )
    assert made.status_code == 201, made.json()
    code = made.json()["code"]
    assert made.json()["label"].endswith("第1号") and made.json()["expenditures"] is None

    [bob] = people(1, prefix="bob")
    followed = post(bearer(bob), f"/api/requests/{code}/follow")
    assert followed.status_code == 200 and followed.json() == {"code": code, "following": True}
    assert bearer(bob).get("/api/requests").json()["count"] == 1  # the one followed

    post(desk, f"/api/requests/{code}/resolve", {"expected_version": 1})
    reopened = post(mine, f"/api/requests/{code}/reopen", {"public_note": "また壊れました"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "checking"
    gone = post(mine, f"/api/requests/{code}/withdraw", {"expected_version": reopened.json()["version"]})
    assert gone.status_code == 200 and gone.json()["status"] == "withdrawn"
    again = post(mine, f"/api/requests/{code}/withdraw", {})
    assert again.status_code == 409


def test_submitting_checks_input_and_the_categorys_questions(road, alice):
    road.attributes = [
        {"code": "depth", "label": "穴の深さ（cm）", "datatype": "number", "required": True, "values": []},
        {
            "code": "kind",
            "label": "場所",
            "datatype": "singlevaluelist",
            "required": False,
            "values": [{"key": "road", "name": "車道"}, {"key": "walk", "name": "歩道"}],
        },
    ]
    road.save()
    mine = bearer(alice)
    base = {"service_code": "431010-road", "description": "穴", "address": "手取本町1-1"}
    no_answer = post(mine, "/api/requests", base)
    assert no_answer.status_code == 400 and "「穴の深さ（cm）」は必須です" in no_answer.json()["detail"]
    wrong = post(mine, "/api/requests", base | {"attributes": {"depth": "深い", "kind": "bridge"}})
    assert wrong.status_code == 400
    assert "数値" in wrong.json()["detail"] and "選択肢にない" in wrong.json()["detail"]
    good = post(mine, "/api/requests", base | {"attributes": {"depth": "５", "kind": "歩道"}})
    assert good.status_code == 201 and good.json()["attributes"] == {"depth": "5", "kind": "walk"}
    assert post(mine, "/api/requests", base | {"service_code": "431010-none"}).status_code == 404
    assert post(mine, "/api/requests", base | {"address": ""}).status_code == 400
    assert post(mine, "/api/requests", base | {"description": "x" * 4001}).status_code == 400
    assert post(mine, "/api/requests", base | {"latitude": 35.0, "longitude": 139.0}).status_code == 400
    assert Request.objects.count() == 1


def test_the_endpoints_are_in_the_openapi_schema(client):
    schema = client.get("/api/openapi.json").json()
    for tail in ("", "/{code}", "/{code}/triage", "/{code}/decide", "/{code}/resolve", "/{code}/reopen",
                 "/{code}/withdraw", "/{code}/follow", "/{code}/expenditures",
                 "/{code}/expenditures/{expenditure_id}/refund"):  # fmt: skip
        assert f"/api/requests{tail}" in schema["paths"], tail
    assert "RequestDetailOut" in schema["components"]["schemas"]


def test_staff_of_a_category_without_a_fund_get_a_clear_refusal(made, desk, road):
    Category.objects.filter(pk=road.pk).update(fund=None)
    body = {"section": "supplies", "payee": "熊本土木", "paid_on": str(today()), "amount_yen": 1000}
    answer = post(desk, path(made, "/expenditures"), body)
    assert answer.status_code == 400 and "支払う事業" in answer.json()["detail"]
