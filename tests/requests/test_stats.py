"""Statistics per ward, category and month: what counts as resolved, working days, the 5-request threshold."""

import datetime
from decimal import Decimal

import pytest

from machi.accounts.actors import SYSTEM
from machi.requests import actions, queries
from machi.requests.models import Category
from machi.requests.stats import THRESHOLD, working_days_between

from .conftest import CITY_HALL, TUESDAY

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
LATER = datetime.date(2026, 9, 1)  # "today" for the figures: every June request is past its target


def submit(category, now=TUESDAY, **fields):
    return actions.submit_request(
        actor=SYSTEM,
        category=category,
        description="街灯が消えています",
        latitude=CITY_HALL[0],
        longitude=CITY_HALL[1],
        now=now,
        **fields,
    )


def move(request, to, at, **fields):
    request.refresh_from_db()
    return actions.change_status(
        actor=SYSTEM, request=request, to=to, expected_version=request.version, now=at, **fields
    )


def june_cell(cells, code="road"):
    [cell] = [c for c in cells if c.category_code == code and c.month == datetime.date(2026, 6, 1)]
    return cell


def test_a_cell_of_fewer_than_5_requests_is_withheld(road):
    for _ in range(THRESHOLD - 1):
        submit(road)
    cell = june_cell(queries.statistics(fiscal_year=2026, today=LATER))
    assert cell.withheld
    assert cell.shown("received") is None and cell.shown("resolved") is None
    assert cell.median_ack_days is None and cell.median_resolve_days is None
    assert cell.within_target_share is None
    submit(road)
    cell = june_cell(queries.statistics(fiscal_year=2026, today=LATER))
    assert not cell.withheld and cell.shown("received") == THRESHOLD


def test_only_answered_requests_count_as_resolved_and_days_are_working_days(road):
    made = [submit(road) for _ in range(7)]
    # Received Tuesday 2 June; the target (5 working days) is Tuesday 9 June.
    move(made[0], "resolved", TUESDAY)  # same day: 0 days, within target
    move(made[1], "checking", TUESDAY + DAY)  # acknowledged Wednesday: 1 working day
    move(made[1], "resolved", TUESDAY + 14 * DAY)  # resolved 16 June: 10 working days, late
    move(made[2], "declined", TUESDAY + DAY, reason="私有地のため")
    move(made[3], "referred", TUESDAY + 4 * DAY, referred_to="国道事務所")  # Saturday 6 June: 3 working days
    actions.withdraw(actor=SYSTEM, request=made[4])
    move(made[5], "duplicate", TUESDAY + DAY, duplicate_of=made[0])
    # made[6] is still 受付: overdue by September.
    cell = june_cell(queries.statistics(fiscal_year=2026, today=LATER))
    assert not cell.withheld
    assert (cell.received, cell.resolved, cell.declined, cell.referred) == (7, 2, 1, 1)
    assert (cell.withdrawn, cell.duplicate, cell.overdue) == (1, 1, 1)
    assert sorted(cell.ack_days) == [0, 1, 1, 1, 3]
    assert cell.median_ack_days == Decimal("1.0")
    assert cell.median_resolve_days == Decimal("5.0")  # the median of 0 and 10
    assert cell.within_target_share == Decimal("50.0")
    # Before its target date the open request is not overdue.
    assert june_cell(queries.statistics(fiscal_year=2026, today=datetime.date(2026, 6, 9))).overdue == 0


def test_working_days_skip_weekends_and_holidays():
    assert working_days_between(datetime.date(2026, 6, 5), datetime.date(2026, 6, 8)) == 1  # Fri → Mon
    assert (
        working_days_between(datetime.date(2026, 5, 1), datetime.date(2026, 5, 7)) == 1
    )  # 5月6日 is 振替休日
    assert working_days_between(datetime.date(2026, 6, 2), datetime.date(2026, 6, 2)) == 0


def test_the_year_row_sums_the_months_and_a_month_can_be_asked_alone(road, chuo):
    for _ in range(3):
        submit(road)
    for _ in range(3):
        submit(road, now=TUESDAY + 30 * DAY)  # 2 July
    cells = queries.statistics(fiscal_year=2026, today=LATER)
    assert [(c.month, c.received, c.withheld) for c in cells] == [
        (datetime.date(2026, 6, 1), 3, True),
        (datetime.date(2026, 7, 1), 3, True),
        (None, 6, False),
    ]
    july = queries.statistics(fiscal_year=2026, ward=chuo, month=datetime.date(2026, 7, 1), today=LATER)
    assert [(c.month, c.received) for c in july] == [(datetime.date(2026, 7, 1), 3)]
    with pytest.raises(ValueError):
        queries.statistics(fiscal_year=2026, month=datetime.date(2026, 3, 1))


def test_categories_not_public_are_left_out_and_wards_kept_apart(road, chuo, higashi):
    hidden = Category.objects.create(ward=chuo, code="inside", name="庁内の点検", public=False)
    east = Category.objects.create(ward=higashi, code="road", name="道路の破損")
    submit(hidden)
    submit(east)
    submit(road)
    cells = queries.statistics(fiscal_year=2026, today=LATER)
    assert {(c.ward_name, c.category_code) for c in cells} == {("中央区", "road"), ("東区", "road")}
    assert {c.ward_name for c in queries.statistics(fiscal_year=2026, ward=higashi)} == {"東区"}
    everything = queries.statistics(fiscal_year=2026, public_only=False, today=LATER)
    assert "inside" in {c.category_code for c in everything}


def test_the_figures_take_one_query_however_many_requests(road, django_assert_num_queries):
    for _ in range(12):
        submit(road)
    with django_assert_num_queries(1):
        cells = queries.statistics(fiscal_year=2026, today=LATER)
    assert sum(c.received for c in cells if c.month is None) == 12
