"""Changes of status: allowed moves, optimistic concurrency (409), reopen within 30 days, withdraw."""

import datetime

import pytest

from machi.core.errors import Conflict, NotAllowed, Refused
from machi.requests import actions, queries
from machi.requests.models import Request, RequestUpdate

from .conftest import TUESDAY

pytestmark = pytest.mark.django_db


def move(staff, request, to, **fields):
    return actions.change_status(
        actor=staff, request=request, to=to, expected_version=request.version, **fields
    )


def test_the_truthful_path_and_its_append_only_history(made, staff):
    made = move(staff, made, "checking", public_note="現地を確認します", internal_note="土木センターに照会")
    made = move(staff, made, "in_progress")
    made = move(
        staff, made, "resolved", public_note="蓋を固定しました", now=TUESDAY + datetime.timedelta(days=2)
    )
    made.refresh_from_db()
    assert made.status == "resolved" and made.version == 4
    assert made.acknowledged_at is not None and made.resolved_at == TUESDAY + datetime.timedelta(days=2)
    assert [(u.from_status, u.to_status) for u in RequestUpdate.objects.filter(request=made)] == [
        ("", "received"),
        ("received", "checking"),
        ("checking", "in_progress"),
        ("in_progress", "resolved"),
    ]


def test_a_stale_version_is_a_conflict_not_an_overwrite(made, staff):
    seen = Request.objects.get(pk=made.pk)  # two members of staff open the same request
    move(staff, made, "checking")
    with pytest.raises(Conflict, match="先に更新しました") as conflict:
        actions.change_status(
            actor=staff, request=seen, to="declined", expected_version=seen.version, reason="x"
        )
    assert conflict.value.status == 409
    assert Request.objects.get(pk=made.pk).status == "checking"


@pytest.mark.parametrize(
    ("to", "fields", "message"),
    [
        ("declined", {}, "対応できない理由"),
        ("referred", {}, "引継ぎ先"),
        ("duplicate", {}, "重複先"),
    ],
)
def test_each_end_needs_what_it_tells_the_public(made, staff, to, fields, message):
    with pytest.raises(Refused, match=message):
        move(staff, made, to, **fields)
    assert Request.objects.get(pk=made.pk).status == "received"


def test_declined_referred_and_duplicate_keep_their_reason(made, staff, road, people):
    [bob] = people(1, "bob")
    other = actions.submit_request(
        actor=bob, category=road, description="同じ蓋", address="手取本町", now=TUESDAY
    )
    third = actions.submit_request(
        actor=bob, category=road, description="国道の穴", address="国道3号", now=TUESDAY
    )
    move(staff, other, "duplicate", duplicate_of=made)
    move(staff, third, "referred", referred_to="国土交通省 熊本河川国道事務所")
    made = move(staff, made, "declined", reason="私有地のため市では対応できません")
    assert made.public_reason == "私有地のため市では対応できません"
    assert Request.objects.get(pk=other.pk).duplicate_of == made
    assert Request.objects.get(pk=third.pk).referred_to == "国土交通省 熊本河川国道事務所"


def test_a_closed_request_cannot_be_moved_by_staff(made, staff):
    made = move(staff, made, "resolved")
    with pytest.raises(Conflict, match="には変更できません"):
        move(staff, made, "in_progress")


def test_staff_of_another_ward_and_residents_may_not_move_it(made, ward_staff, higashi, people):
    [carol] = people(1, "carol")
    for actor in (ward_staff("east", higashi), carol):
        with pytest.raises(NotAllowed):
            move(actor, made, "checking")


def test_the_requester_reopens_within_30_days_and_not_after(made, staff, people):
    resolved = TUESDAY + datetime.timedelta(days=1)
    made = move(staff, made, "resolved", now=resolved)
    [stranger] = people(1, "stranger")
    with pytest.raises(NotAllowed):
        actions.reopen(actor=stranger, request=made, now=resolved + datetime.timedelta(days=1))
    with pytest.raises(Conflict, match="30日を過ぎた"):
        actions.reopen(
            actor=made.requester, request=made, now=resolved + datetime.timedelta(days=30, minutes=1)
        )
    reopened = actions.reopen(
        actor=made.requester,
        request=made,
        public_note="また外れています",
        now=resolved + datetime.timedelta(days=30),
    )
    assert reopened.status == "checking" and reopened.resolved_at is None
    assert reopened.updates.last().public_note == "また外れています"


def test_only_a_resolved_request_is_reopened(made):
    with pytest.raises(Conflict, match="対応済の課題だけ"):
        actions.reopen(actor=made.requester, request=made)


def test_the_requester_withdraws_an_open_request_only(made, staff, people):
    [stranger] = people(1, "stranger")
    with pytest.raises(NotAllowed):
        actions.withdraw(actor=stranger, request=made)
    withdrawn = actions.withdraw(actor=made.requester, request=made)
    assert withdrawn.status == "withdrawn"
    with pytest.raises(Conflict):
        actions.withdraw(actor=made.requester, request=made)


def test_overdue_requests_are_listed_for_their_ward_staff(made, staff, ward_staff, higashi):
    assert list(queries.overdue(staff, today=made.acknowledge_by)) == []
    day_after = made.acknowledge_by + datetime.timedelta(days=1)
    assert list(queries.overdue(staff, today=day_after)) == [made]  # not acknowledged in time
    assert list(queries.overdue(ward_staff("east", higashi), today=day_after)) == []
    made = move(staff, made, "checking")
    assert list(queries.overdue(staff, today=day_after)) == []
    assert list(queries.overdue(staff, today=made.expected_by + datetime.timedelta(days=1))) == [made]
