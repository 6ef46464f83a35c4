"""Shared fixtures for residents' requests: 中央区 and 東区, a fund project, categories, staff, residents."""

import datetime

import pytest
from django.utils import timezone

from machi.ledger.models import Programme, Project
from machi.requests.models import Category

# A weekday well inside FY2026 (Tuesday 2026-06-02, 10:00 Tokyo), so dates do not depend on today.
TUESDAY = datetime.datetime(2026, 6, 2, 10, 0, tzinfo=timezone.get_fixed_timezone(9 * 60))
# 熊本市役所 (中央区手取本町).
CITY_HALL = ("32.803100", "130.707900")


@pytest.fixture
def fund(chuo):
    programme = Programme.objects.create(ward=chuo, fiscal_year=2026)
    return Project.objects.create(programme=programme, name="課題対応経費")


@pytest.fixture
def road(chuo, fund):
    return Category.objects.create(
        ward=chuo, code="road", name="道路の破損", group="道路", target_days=5, fund=fund
    )


@pytest.fixture
def staff(ward_staff, chuo):
    return ward_staff("chuo-staff", chuo, display_name="中央 職員")


@pytest.fixture
def budgeted(fund):
    """The fund with a 当初予算 of 100,000 yen (money left to spend from)."""
    fund.initial_yen = 100_000
    fund.save()
    return fund


@pytest.fixture
def made(road, people):
    """A resident's request about the road by city hall, received on TUESDAY."""
    from machi.requests import actions

    [alice] = people(1)
    return actions.submit_request(
        actor=alice,
        category=road,
        description="側溝の蓋が外れている",
        latitude=CITY_HALL[0],
        longitude=CITY_HALL[1],
        now=TUESDAY,
    )
