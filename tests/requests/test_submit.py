"""Submitting a request: numbering, validation, addresses, working-day dates, duplicates and following."""

import datetime

import pytest
from django.db import connection

from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.core.errors import NotAllowed, Refused
from machi.requests import actions
from machi.requests.models import Category, Follower, Request, RequestUpdate
from machi.requests.workdays import add_working_days, is_working_day

from .conftest import CITY_HALL, TUESDAY

pytestmark = pytest.mark.django_db


def submit(actor, category, **fields):
    values = {"description": "歩道の段差が壊れています", "latitude": CITY_HALL[0], "longitude": CITY_HALL[1]}
    return actions.submit_request(actor=actor, category=category, now=TUESDAY, **(values | fields))


def test_numbers_run_without_a_gap_per_ward_and_fiscal_year(road, higashi, people):
    [alice] = people(1)
    east = Category.objects.create(ward=higashi, code="road", name="道路の破損")
    made = [submit(alice, road) for _ in range(3)]
    other = submit(alice, east, latitude=None, longitude=None, address="東区役所前")
    assert [r.number for r in made] == [1, 2, 3]
    assert other.number == 1
    assert made[0].fiscal_year == 2026
    assert made[2].label == "令和8年度 中央区 第3号"
    assert made[2].service_request_id == "431010-2026-3"
    assert made[0].requester == alice and made[0].status == "received"
    assert RequestUpdate.objects.filter(request=made[0], to_status="received").count() == 1
    assert AuditEntry.objects.filter(action="requests.submit").count() == 4


def test_a_new_fiscal_year_starts_again_at_one(road, people):
    [alice] = people(1)
    submit(alice, road)
    april = actions.submit_request(
        actor=alice,
        category=road,
        description="x",
        address="手取本町1-1",
        now=TUESDAY.replace(year=2027, month=4, day=5),
    )
    assert (april.fiscal_year, april.number) == (2027, 1)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"latitude": "33.10", "longitude": "130.70"}, "熊本市の外"),
        ({"latitude": "32.80", "longitude": "131.20"}, "熊本市の外"),
        ({"latitude": None, "longitude": None, "address": ""}, "場所（地図の位置または住所）"),
        ({"latitude": "32.80", "longitude": None}, "緯度と経度の両方"),
        ({"latitude": "北", "longitude": "130.7"}, "数値ではありません"),
        ({"description": "あ" * 4001}, "4000文字以内"),
        ({"description": "   "}, "内容を入力"),
    ],
)
def test_bad_input_is_refused_in_japanese_and_nothing_is_written(road, people, fields, message):
    [alice] = people(1)
    with pytest.raises(Refused) as refused:
        submit(alice, road, **fields)
    assert message in refused.value.messages[0]
    assert Request.objects.count() == 0
    assert AuditEntry.objects.filter(action="requests.submit").count() == 0


def test_exactly_4000_characters_and_an_address_without_a_map_are_accepted(road, people):
    [alice] = people(1)
    made = submit(
        alice, road, description="あ" * 4000, latitude=None, longitude=None, address="中央区手取本町１－１"
    )
    assert len(made.description) == 4000 and made.latitude is None


def test_full_width_coordinates_are_read(road, people):
    [alice] = people(1)
    made = submit(alice, road, latitude="３２．８０３１", longitude="１３０．７０７９")
    assert str(made.latitude) == "32.803100"


def test_a_closed_category_and_someone_not_logged_in_are_refused(road, people):
    from django.contrib.auth.models import AnonymousUser

    [alice] = people(1)
    road.active = False
    road.save()
    with pytest.raises(Refused, match="受け付けていません"):
        submit(alice, road)
    road.active = True
    road.save()
    with pytest.raises(NotAllowed):
        submit(AnonymousUser(), road)


def test_a_call_is_entered_by_staff_only_and_recorded_as_on_behalf(road, staff, people):
    [alice] = people(1)
    with pytest.raises(NotAllowed):
        submit(alice, road, caller_name="熊本 花子", caller_phone="096-000-0000")
    call = submit(staff, road, caller_name="熊本 花子", caller_phone="０９６－０００－００００")
    assert call.on_behalf and call.requester is None and call.caller_phone == "096-000-0000"


@pytest.mark.parametrize(
    ("one", "other"),
    [("３丁目２－１", "3丁目2-1"), ("3丁目2番1号", "3-2-1"), ("手取本町 ３ー２ー１", "手取本町3‐2−1")],
)
def test_two_spellings_of_one_address_share_a_key(one, other):
    assert actions.address_key(one) == actions.address_key(other)


def test_different_addresses_keep_different_keys():
    assert actions.address_key("3丁目2-1") != actions.address_key("3丁目2-11")


def test_the_address_key_is_stored(road, people):
    [alice] = people(1)
    made = submit(alice, road, latitude=None, longitude=None, address="新町３丁目２－１")
    assert Request.objects.filter(address_key=actions.address_key("新町3丁目2番1号")).get() == made


def test_working_days_skip_weekends_holidays_and_the_year_end():
    assert not is_working_day(datetime.date(2026, 5, 4))  # みどりの日
    assert not is_working_day(datetime.date(2026, 5, 6))  # 振替休日 for 憲法記念日 on a Sunday
    assert not is_working_day(datetime.date(2026, 12, 29))
    assert is_working_day(datetime.date(2026, 5, 7))
    # Friday 5/1 → Thursday 5/7 (weekend, 5/4–5/6 holidays).
    assert add_working_days(datetime.date(2026, 5, 1), 1) == datetime.date(2026, 5, 7)
    # From Monday 2026-12-28 the next working day is Monday 2027-01-04.
    assert add_working_days(datetime.date(2026, 12, 28), 1) == datetime.date(2027, 1, 4)


def test_acknowledgement_and_expected_dates_count_working_days_around_a_holiday(road, people):
    [alice] = people(1)
    friday = TUESDAY.replace(month=5, day=1)
    made = actions.submit_request(actor=alice, category=road, description="x", address="手取本町", now=friday)
    assert made.acknowledge_by == datetime.date(2026, 5, 7)
    # Five working days from 5/1: 5/7, 5/8, 5/11, 5/12, 5/13.
    assert made.expected_by == datetime.date(2026, 5, 13)


def test_duplicates_are_open_requests_of_the_category_within_50_m_and_90_days(road, chuo, people, staff):
    [alice] = people(1)
    first = submit(alice, road)
    other_category = Category.objects.create(ward=chuo, code="light", name="街灯")
    submit(alice, other_category)
    # About 33 m north (0.0003° of latitude) and about 65 m north.
    near = ("32.803400", CITY_HALL[1])
    far = ("32.803700", CITY_HALL[1])
    assert actions.find_duplicates(category=road, latitude=near[0], longitude=near[1], now=TUESDAY) == [first]
    assert actions.find_duplicates(category=road, latitude=far[0], longitude=far[1], now=TUESDAY) == []
    later = TUESDAY + datetime.timedelta(days=91)
    assert actions.find_duplicates(category=road, latitude=near[0], longitude=near[1], now=later) == []
    actions.change_status(actor=staff, request=first, to="resolved", expected_version=1)
    assert actions.find_duplicates(category=road, latitude=near[0], longitude=near[1], now=TUESDAY) == []


def test_the_haversine_distance_is_right():
    # 0.0009° of latitude is about 100 m anywhere.
    assert 99 < actions.metres_between("32.8", "130.7", "32.8009", "130.7") < 101


def test_the_same_problem_adds_a_follower_not_a_request(road, people, staff):
    [alice, bob] = people(2)
    first = submit(alice, road)
    actions.follow(actor=bob, request=first)
    actions.follow(actor=bob, request=first)
    assert Follower.objects.filter(request=first).count() == 1
    assert Request.objects.count() == 1
    actions.change_status(
        actor=staff, request=first, to="declined", expected_version=1, reason="私有地のため"
    )
    with pytest.raises(Refused, match="既に対応を終えています"):
        actions.follow(actor=people(1, "late")[0], request=first)


def test_the_system_may_submit(road):
    assert submit(SYSTEM, road).requester is None


def test_the_database_refuses_a_repeated_number(road, people):
    from django.db import IntegrityError, transaction

    [alice] = people(1)
    made = submit(alice, road)
    with pytest.raises(IntegrityError), transaction.atomic():
        Request.objects.create(
            ward=made.ward,
            fiscal_year=made.fiscal_year,
            number=made.number,
            category=road,
            description="x",
            acknowledge_by=made.acknowledge_by,
            expected_by=made.expected_by,
        )
    assert connection.vendor in {"sqlite", "postgresql"}


def test_a_refusal_speaks_english_to_an_english_reader(road, people):
    from django.utils import translation

    [alice] = people(1)
    with translation.override("en"), pytest.raises(Refused) as refused:
        submit(alice, road, description="a" * 4001)
    assert refused.value.messages[0] == "Keep the description within 4000 characters (it has 4001)"
