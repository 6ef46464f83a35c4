"""The residents' head start is for people whose address the ward's staff have verified, not for a declaration.

A group of the ward still counts: its approval by the ward's staff is the verification.
"""

import datetime

import pytest
from django.utils import timezone
from tests.facilities.conftest import NOW

from machi.accounts import actions as accounts
from machi.accounts.models import CommunityGroup, GroupMember
from machi.facilities import actions
from machi.facilities.actions import BookingRefused
from machi.facilities.queries import add_months

pytestmark = pytest.mark.django_db

FEBRUARY = datetime.date(2027, 2, 10)  # opens 2026-12-01 09:00; a week earlier for residents


@pytest.fixture
def head_start(centre):
    centre.resident_head_start_days = 30
    centre.save()
    return centre


@pytest.fixture
def declared(django_user_model, chuo):
    """Says she lives in 中央区; nobody has checked."""
    return django_user_model.objects.create_user(
        "natsuko", email="natsuko@example.jp", display_name="白川夏子", home_ward=chuo
    )


def book_february(person, room, **fields):
    return actions.book(actor=person, room=room, date=FEBRUARY, block_codes=["morning"], now=NOW, **fields)


def test_a_declared_home_ward_alone_gives_no_head_start(head_start, room, declared):
    with pytest.raises(BookingRefused, match="2026年12月1日 09:00から"):
        book_february(declared, room)


def test_verified_by_the_ward_s_staff_the_head_start_applies(head_start, room, declared, chuo, ward_staff):
    verified = accounts.verify_residency(actor=ward_staff("chuo-staff", chuo), user=declared)
    assert book_february(verified, room).status == "confirmed"


def test_declaring_another_ward_clears_the_verification(head_start, room, resident, higashi, chuo):
    accounts.update_profile(actor=resident, user=resident, home_ward=higashi)
    accounts.update_profile(actor=resident, user=resident, home_ward=chuo)
    resident.refresh_from_db()
    assert (resident.residency_verified_at, resident.residency_verified_ward) == (None, None)
    with pytest.raises(BookingRefused, match="2026年12月1日 09:00から"):
        book_february(resident, room)


def test_an_approved_group_of_the_ward_still_counts(head_start, room, declared, chuo):
    group = CommunityGroup.objects.create(
        name="白川二丁目自治会", kind="jichikai", ward=chuo, representative=declared, status="approved"
    )
    GroupMember.objects.create(group=group, name="白川夏子", user=declared)
    assert book_february(declared, room, group=group).status == "confirmed"


def test_the_room_pages_open_early_only_for_a_verified_resident(client, centre, room, declared, resident):
    # Pages read the real clock: three months ahead opens next month, and 62 days earlier for residents.
    centre.resident_head_start_days = 62
    centre.save()
    month = add_months(timezone.localdate(), 3)
    url = f"/facilities/rooms/{room.pk}/?month={month:%Y-%m}"
    notice = f"{month.year}年{month.month}月分の予約の受付は"
    client.force_login(declared)
    assert notice in client.get(url).content.decode()
    client.force_login(resident)
    assert notice not in client.get(url).content.decode()
