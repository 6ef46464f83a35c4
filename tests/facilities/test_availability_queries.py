"""A month of a room's availability runs the same queries whether the month is empty or full: on the API,
the month page (anonymous and signed in) and the week page (bench/availability.py times them)."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from machi.accounts.models import CommunityGroup
from machi.facilities import actions
from machi.facilities.models import ClosedDay, Reservation, Room
from machi.facilities.queries import add_months


@pytest.fixture
def month():
    return add_months(timezone.localdate(), 2)


@pytest.fixture
def rooms(centre, room, hall):
    more = [
        Room.objects.create(centre=centre, name=f"会議室{n}", capacity=10, fee_per_block_yen=300, position=n)
        for n in range(1, 5)
    ]
    return [room, hall, *more]


def fill(centre, rooms, month, people) -> int:
    """Every room booked on most days of the month, some for a group, some cancelled; two closures.
    Returns how many bookings were made."""
    group = CommunityGroup.objects.create(
        name="満室の会", kind="jichikai", ward=centre.ward, representative=people[0], status="approved"
    )
    blocks = list(centre.blocks.order_by("position"))
    ClosedDay.objects.create(centre=centre, date=month + datetime.timedelta(days=3), reason="設備点検")
    ClosedDay.objects.create(centre=centre, date=month + datetime.timedelta(days=17), reason="選挙の投票所")
    made = 0
    for n, room in enumerate(rooms):
        for day in range(0, 28, 2):
            date = month + datetime.timedelta(days=day + n % 2)
            for index, block in enumerate(blocks):
                reservation = Reservation.objects.create(
                    room=room,
                    date=date,
                    status="cancelled" if index == 2 and day % 4 == 0 else "confirmed",
                    holder=people[(day + index) % len(people)],
                    group=group if index == 1 else None,
                    fee_yen=room.fee_per_block_yen,
                )
                actions.hold_blocks(reservation, [block])
                made += 1
    return made


def counted(django_assert_num_queries, expected: int, client: Client, url: str, params: dict) -> object:
    with django_assert_num_queries(expected):
        response = client.get(url, params)
    assert response.status_code == 200
    return response


PAGES = [  # (name, path, params for the month, queries)
    ("api", "/api/rooms/{id}/availability", "month_range", 4),  # room, blocks, closures, held times
    ("month", "/facilities/rooms/{id}/", "month_param", 5),  # room, lotteries, blocks, closures, held
    ("week", "/facilities/rooms/{id}/week/", "week_param", 5),  # the same
]


def params_for(kind: str, month: datetime.date) -> dict:
    last = add_months(month, 1) - datetime.timedelta(days=1)
    return {
        "month_range": {"from": month.isoformat(), "to": last.isoformat()},
        "month_param": {"month": f"{month:%Y-%m}"},
        "week_param": {"from": (month + datetime.timedelta(days=14)).isoformat()},
    }[kind]


@pytest.mark.parametrize(("name", "path", "kind", "queries"), PAGES, ids=[page[0] for page in PAGES])
def test_a_full_month_runs_the_queries_of_an_empty_one(
    name, path, kind, queries, centre, rooms, month, resident, outsider, django_assert_num_queries
):
    client, params = Client(), params_for(kind, month)
    empty = counted(django_assert_num_queries, queries, client, path.format(id=rooms[0].pk), params)

    assert fill(centre, rooms, month, [resident, outsider]) == len(rooms) * 14 * 3
    full = None
    for room in rooms:
        full = counted(django_assert_num_queries, queries, client, path.format(id=room.pk), params)
    assert full.content != empty.content  # the bookings and closures are shown, with no query more
    if name == "api":
        days = full.json()["days"]
        assert {day["closed"] for day in days} >= {"設備点検", "選挙の投票所"}
        assert any(block["reason"] == "予約済み" for day in days for block in day["blocks"])


def test_the_month_page_signed_in_runs_the_same_queries_full_or_empty(
    centre, rooms, month, resident, outsider, django_assert_num_queries
):
    client = Client()
    client.force_login(resident)
    params = params_for("month_param", month)
    # the month's five, and the session, the person and whether they hold a role (the navigation)
    counted(django_assert_num_queries, 8, client, f"/facilities/rooms/{rooms[1].pk}/", params)
    fill(centre, rooms, month, [resident, outsider])
    for room in rooms:
        counted(django_assert_num_queries, 8, client, f"/facilities/rooms/{room.pk}/", params)
