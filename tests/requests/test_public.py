"""What the public sees of a request: no person, no free text, the location rounded to about 50 m."""

from decimal import Decimal

import pytest

from machi.requests import actions, queries

from .conftest import TUESDAY

pytestmark = pytest.mark.django_db


def test_the_public_view_holds_no_personal_data(road, staff, people):
    [alice] = people(1)
    made = actions.submit_request(
        actor=alice,
        category=road,
        description="自宅前（熊本 太郎方）の側溝",
        latitude="32.803149",
        longitude="130.707951",
        address="手取本町１－１ 熊本様方",
        school_district="慶徳校区",
        now=TUESDAY,
    )
    call = actions.submit_request(
        actor=staff,
        category=road,
        description="電話で",
        address="新町",
        caller_name="電話 花子",
        caller_phone="096-111-2222",
        now=TUESDAY,
    )
    actions.change_status(
        actor=staff,
        request=made,
        to="checking",
        expected_version=1,
        public_note="現地を確認します",
        internal_note="申出者 熊本太郎 090-0000-0000",
    )
    for one in (made, call):
        view = queries.public_view(queries.public_requests().get(pk=one.pk))
        text = repr(view)
        for private in (
            "熊本 太郎",
            "熊本様方",
            "手取本町",
            "090-0000",
            "電話 花子",
            "096-111",
            "電話で",
            alice.email,
            alice.username,
            alice.display_name,
            "resident0",
        ):
            assert private not in text
    assert view["school_district"] == "" and view["status_label"] == "受付"
    view = queries.public_view(queries.public_requests().get(pk=made.pk))
    assert view["notes"][-1]["note"] == "現地を確認します" and view["school_district"] == "慶徳校区"
    # Snapped to the 0.0005° grid: 32.803149 → 32.8030, 130.707951 → 130.7080.
    assert (view["latitude"], view["longitude"]) == (Decimal("32.8030"), Decimal("130.7080"))


def test_rounding_moves_a_point_by_less_than_50_m():
    for lat, lon in [("32.80324", "130.70774"), ("32.80001", "130.70026"), ("32.91249", "130.58749")]:
        moved = actions.metres_between(lat, lon, queries.rounded(Decimal(lat)), queries.rounded(Decimal(lon)))
        assert moved < 40


def test_a_persons_download_holds_their_requests_and_follows(road, people):
    from machi.accounts.privacy import personal_data

    [alice, bob] = people(2)
    made = actions.submit_request(actor=alice, category=road, description="街灯", address="新町", now=TUESDAY)
    actions.follow(actor=bob, request=made)
    assert [(r["number"], r["description"], r["address"]) for r in personal_data(alice)["requests"]] == [
        (1, "街灯", "新町")
    ]
    assert personal_data(alice)["requests_followed"] == []
    assert [f["request__number"] for f in personal_data(bob)["requests_followed"]] == [1]
