"""Shared fixtures for the events tests: two wards, a project of 中央区, staff, residents, an event factory.

Times are relative to the real clock (the API registers at `timezone.now()`): by default an event's
registration opened yesterday, closes in 29 days, and its one session is in 30 days.
"""

import datetime

import pytest
from django.utils import timezone

from machi.accounts.actors import SYSTEM
from machi.events import actions
from machi.ledger.models import Programme, Project


@pytest.fixture
def project(chuo):
    programme = Programme.objects.create(ward=chuo, fiscal_year=2026)
    return Project.objects.create(programme=programme, name="防災意識の向上事業")


@pytest.fixture
def staff(ward_staff, chuo):
    return ward_staff("chuo-staff", chuo, display_name="中央 職員")


def window(**changes) -> dict:
    now = timezone.now()
    starts = now + datetime.timedelta(days=30)
    times = {
        "registration_opens_at": now - datetime.timedelta(days=1),
        "registration_closes_at": starts - datetime.timedelta(days=1),
        "cancel_until": starts - datetime.timedelta(days=2),
        "sessions": [(starts, starts + datetime.timedelta(hours=2))],
    }
    return times | changes


@pytest.fixture
def make_event(project):
    """make_event(capacity_seats=5, max_party=3, publish=True, …) → an event of the project, published."""

    def make(*, publish: bool = True, actor=SYSTEM, **fields):
        values = {
            "kind": "course",
            "title": "防災講座",
            "title_kana": "ぼうさいこうざ",
            "capacity_seats": 10,
            "max_party": 3,
            **window(),
            **fields,
        }
        event = actions.create_event(actor=actor, project=project, **values)
        return actions.publish_event(actor=actor, event=event) if publish else event

    return make


@pytest.fixture
def helper(django_user_model):
    """A person who works an event's door (the tests grant them the event-helper role)."""
    return django_user_model.objects.create_user("helper", display_name="受付 花子")
