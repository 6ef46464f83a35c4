"""Shared fixtures for the facilities tests: a ward, a centre with the default blocks, rooms, people.

Times are pinned: `NOW` is 2026-11-30 10:00 in Tokyo, so January 2027 is open for booking
(the month two months ahead opened on 2026-11-01 09:00) and February is not yet.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest

from machi.accounts.actors import SYSTEM
from machi.accounts.models import CommunityGroup, GroupMember, RoleGrant
from machi.facilities.actions import save_centre
from machi.facilities.models import Centre, Room

TOKYO = ZoneInfo("Asia/Tokyo")


def at(*args) -> datetime.datetime:
    """A moment in Tokyo: at(2026, 12, 1, 9) is 2026-12-01 09:00 JST."""
    return datetime.datetime(*args, tzinfo=TOKYO)


NOW = at(2026, 11, 30, 10, 0)
OPEN_DAY = datetime.date(2027, 1, 12)  # a Tuesday in the open month


@pytest.fixture
def centre(chuo):
    return save_centre(
        actor=SYSTEM,
        centre=Centre(
            ward=chuo, name="白川地域コミュニティセンター", phone="096-000-0000", cancel_deadline_days=3
        ),
    )


@pytest.fixture
def room(centre):
    return Room.objects.create(centre=centre, name="和室", capacity=20, fee_per_block_yen=600)


@pytest.fixture
def hall(centre):
    return Room.objects.create(
        centre=centre, name="多目的ホール", capacity=80, fee_per_block_yen=1500, requires_approval=True
    )


@pytest.fixture
def resident(django_user_model, chuo):
    """A resident of 中央区 whose address the ward has verified (so the residents' head start is hers)."""
    return django_user_model.objects.create_user(
        "hanako",
        email="hanako@example.jp",
        display_name="熊本花子",
        home_ward=chuo,
        residency_verified_at=NOW,
        residency_verified_ward=chuo,
    )


@pytest.fixture
def outsider(django_user_model, higashi):
    return django_user_model.objects.create_user(
        "jiro", email="jiro@example.jp", display_name="東次郎", home_ward=higashi
    )


@pytest.fixture
def manager(django_user_model, centre):
    user = django_user_model.objects.create_user("kanri", email="kanri@example.jp", display_name="管理一郎")
    RoleGrant.objects.create(user=user, role="centre-manager", centre=centre)
    return user


@pytest.fixture
def approved_group(resident, chuo):
    group = CommunityGroup.objects.create(
        name="白川一丁目自治会", kind="jichikai", ward=chuo, representative=resident, status="approved"
    )
    GroupMember.objects.create(group=group, name=str(resident), user=resident)
    return group
