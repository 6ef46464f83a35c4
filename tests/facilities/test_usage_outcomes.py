"""Usage statistics posted as the ledger project's outcomes, checked against figures worked out by hand.

October 2022, 中央区 FY2022 No.1 with two centres:

- 白川 (closed on holidays; 10/10 スポーツの日 is one; an ad-hoc closure on 10/12):
  29 open days × 10 block-hours (午前 3 + 午後 4 + 夜間 3) = 290 per room.
  和室: 10/4 午前+午後 (7 h, online), 10/5 夜間 on behalf (3 h), 10/6 午前 no-show (3 h, online),
  10/7 午後 cancelled (not counted), 10/12 午前 (3 h, online; the day closed afterwards, so it
  counts as a booking and hours but not towards utilisation), 11/1 午前 (another month).
  → 4 bookings, 3 online, 16 h, utilisation 13 / 290 = 4.48 %.
  ホール (needs approval): 10/8 午前 pending (not counted) → 0, 0 h, 0.00 %.
- 碩台 (open every day, holidays too): 31 × 10 = 310. 会議室: 10/10 夜間 (3 h, online) → 0.97 %.

Totals: 5 bookings, 4 online, 19 h, utilisation (13 + 0 + 3) / (290 + 290 + 310) = 1.80 %.
A 東区 centre that belongs to no project has a booking too: it is posted nowhere.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from tests.facilities.conftest import at

from machi.accounts.actions import NotAllowed
from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.facilities import stats
from machi.facilities.actions import book, cancel, mark_no_show, post_usage, save_centre
from machi.facilities.models import Centre, ClosedDay, Room
from machi.ledger.models import Outcome, Project, Ward

pytestmark = pytest.mark.django_db

BOOKED_AT = at(2022, 9, 1, 10, 0)  # October and November 2022 are open for booking (two months ahead)
OCTOBER = datetime.date(2022, 10, 1)


def day(n: int, month: int = 10) -> datetime.date:
    return datetime.date(2022, month, n)


@pytest.fixture
def pilot(kumamoto, resident, outsider):
    project = Project.objects.get(programme__ward__code="431010", programme__fiscal_year=2022, no=1)
    chuo, higashi = Ward.objects.get(code="431010"), Ward.objects.get(code="431028")
    shirakawa = save_centre(
        actor=SYSTEM, centre=Centre(ward=chuo, project=project, name="白川センター", closed_on_holidays=True)
    )
    sekidai = save_centre(actor=SYSTEM, centre=Centre(ward=chuo, project=project, name="碩台センター"))
    kengun = save_centre(actor=SYSTEM, centre=Centre(ward=higashi, name="健軍センター"))
    washitsu = Room.objects.create(centre=shirakawa, name="和室", capacity=20, position=1)
    hall = Room.objects.create(
        centre=shirakawa, name="ホール", capacity=80, requires_approval=True, position=2
    )
    kaigi = Room.objects.create(centre=sekidai, name="会議室", capacity=12)
    east = Room.objects.create(centre=kengun, name="和室", capacity=20)

    def booking(room, date, *blocks, actor=resident, **kwargs):
        return book(actor=actor, room=room, date=date, block_codes=list(blocks), now=BOOKED_AT, **kwargs)

    booking(washitsu, day(4), "morning", "afternoon")
    on_behalf = booking(
        washitsu, day(5), "evening", actor=SYSTEM, holder_name="電話の方", holder_phone="096-000-0000"
    )
    mark_no_show(actor=SYSTEM, reservation=booking(washitsu, day(6), "morning"), now=at(2022, 10, 6, 10))
    cancel(actor=resident, reservation=booking(washitsu, day(7), "afternoon"), now=BOOKED_AT)
    booking(washitsu, day(12), "morning")
    ClosedDay.objects.create(centre=shirakawa, date=day(12), reason="投票所")
    booking(washitsu, day(1, month=11), "morning")
    assert booking(hall, day(8), "morning").status == "pending"
    booking(kaigi, day(10), "evening")
    booking(east, day(4), "morning", actor=outsider)
    return {
        "project": project,
        "washitsu": washitsu,
        "hall": hall,
        "kaigi": kaigi,
        "sekidai": sekidai,
        "on_behalf": on_behalf,
    }


def figures(project, start=OCTOBER, end=datetime.date(2022, 10, 31)) -> dict:
    outcomes = Outcome.objects.filter(
        project=project, source="facilities", period_start=start, period_end=end
    )
    return {o.metric: o.value for o in outcomes}


def test_october_s_usage_per_room_and_in_total(pilot):
    found = stats.usage(pilot["project"].centres.all(), OCTOBER, day(31))

    by_room = {u.room.name: u for u in found.rooms}
    washitsu, hall, kaigi = by_room["和室"], by_room["ホール"], by_room["会議室"]
    assert (washitsu.bookings, washitsu.online_bookings, washitsu.hours_booked) == (4, 3, 16)
    assert (washitsu.booked_open_hours, washitsu.open_hours, washitsu.utilisation) == (
        13,
        290,
        Decimal("4.48"),
    )
    assert (hall.bookings, hall.hours_booked, hall.open_hours, hall.utilisation) == (
        0,
        0,
        290,
        Decimal("0.00"),
    )
    assert (kaigi.bookings, kaigi.hours_booked, kaigi.open_hours, kaigi.utilisation) == (
        1,
        3,
        310,
        Decimal("0.97"),
    )
    assert (found.bookings, found.online_bookings, found.hours_booked, found.utilisation) == (
        5,
        4,
        19,
        Decimal("1.80"),
    )


def test_posting_october_gives_the_project_its_totals_and_each_room_s_figures(pilot):
    (posting,) = post_usage(actor=SYSTEM, fiscal_year=2022, month=OCTOBER)

    assert posting.project == pilot["project"]
    w, h, k = (pilot[name].pk for name in ("washitsu", "hall", "kaigi"))
    assert figures(pilot["project"]) == {
        "bookings": 5,
        "online-bookings": 4,
        "hours-booked": 19,
        "utilisation": Decimal("1.80"),
        f"room-{w}__bookings": 4,
        f"room-{w}__hours-booked": 16,
        f"room-{w}__utilisation": Decimal("4.48"),
        f"room-{h}__bookings": 0,
        f"room-{h}__hours-booked": 0,
        f"room-{h}__utilisation": 0,
        f"room-{k}__bookings": 1,
        f"room-{k}__hours-booked": 3,
        f"room-{k}__utilisation": Decimal("0.97"),
    }
    labelled = Outcome.objects.get(project=pilot["project"], metric=f"room-{w}__utilisation")
    assert (labelled.label, labelled.unit) == ("白川センター 和室 稼働率", "%")
    assert (
        Outcome.objects.get(project=pilot["project"], metric="bookings").label
        == "予約件数（確定・無断不使用）"
    )
    assert Outcome.objects.exclude(project=pilot["project"]).count() == 0  # the 東区 centre has no project


def test_posting_again_replaces_the_figures(pilot):
    post_usage(actor=SYSTEM, fiscal_year=2022, month=OCTOBER)
    count = Outcome.objects.count()
    post_usage(actor=SYSTEM, fiscal_year=2022, month=OCTOBER)
    assert Outcome.objects.count() == count
    assert (
        AuditEntry.objects.filter(action="ledger.post_outcome").count() == count
    )  # the second run changed nothing

    cancel(actor=SYSTEM, reservation=pilot["on_behalf"], reason="電話で取消", now=BOOKED_AT)
    post_usage(actor=SYSTEM, fiscal_year=2022, month=OCTOBER)
    assert Outcome.objects.count() == count
    assert (figures(pilot["project"])["bookings"], figures(pilot["project"])["hours-booked"]) == (4, 16)
    change = AuditEntry.objects.filter(action="ledger.post_outcome").latest("pk")
    assert (change.before["value"], change.after["value"]) != (None, None)


def test_a_centre_leaving_the_project_takes_its_rooms_figures_with_it(pilot):
    post_usage(actor=SYSTEM, fiscal_year=2022, month=OCTOBER)
    sekidai = pilot["sekidai"]
    sekidai.project = None
    save_centre(actor=SYSTEM, centre=sekidai)

    (posting,) = post_usage(actor=SYSTEM, fiscal_year=2022, month=OCTOBER)

    assert posting.withdrawn == 3
    kaigi = pilot["kaigi"].pk
    assert not any(metric.startswith(f"room-{kaigi}__") for metric in figures(pilot["project"]))
    assert figures(pilot["project"])["bookings"] == 4
    assert figures(pilot["project"])["utilisation"] == Decimal("2.24")  # 13 / 580
    assert AuditEntry.objects.filter(action="ledger.withdraw_outcome").count() == 3


def test_a_project_left_without_centres_has_its_figures_withdrawn(pilot):
    post_usage(actor=SYSTEM, fiscal_year=2022, month=OCTOBER)
    Centre.objects.update(project=None)
    assert post_usage(actor=SYSTEM, fiscal_year=2022, month=OCTOBER) == []
    assert not Outcome.objects.exists()


def test_the_fiscal_year_is_its_own_period_beside_the_months(pilot):
    post_usage(actor=SYSTEM, fiscal_year=2022, month=OCTOBER)
    post_usage(actor=SYSTEM, fiscal_year=2022)
    year = figures(pilot["project"], datetime.date(2022, 4, 1), datetime.date(2023, 3, 31))
    assert (year["bookings"], year["hours-booked"]) == (6, 22)  # October's five and 11/1
    assert figures(pilot["project"])["bookings"] == 5


def test_a_month_outside_the_fiscal_year_is_refused(pilot):
    with pytest.raises(ValueError, match="2023年4月は2022年度"):
        post_usage(actor=SYSTEM, fiscal_year=2022, month=datetime.date(2023, 4, 1))
    assert not Outcome.objects.exists()


def test_staff_of_another_ward_cannot_post_and_nothing_is_posted(pilot, ward_staff):
    staff = ward_staff("higashi", Ward.objects.get(code="431028"))
    with pytest.raises(NotAllowed):
        post_usage(actor=staff, fiscal_year=2022, month=OCTOBER)
    assert not Outcome.objects.exists()
    post_usage(actor=ward_staff("chuo", Ward.objects.get(code="431010")), fiscal_year=2022, month=OCTOBER)
    assert figures(pilot["project"])["bookings"] == 5


def test_the_command_posts_and_says_what_it_posted(pilot, capsys):
    call_command("facilities", "post-usage", "--year", "令和4年度", "--month", "2022-10")
    assert (
        "中央区 No.1 地域コミュニティセンターのデジタル化実証実験事業: 2022年10月 予約 5 件、19 時間、稼働率 1.80%（部屋 3 室）"
        in capsys.readouterr().out
    )
    assert figures(pilot["project"])["bookings"] == 5


def test_the_project_s_public_page_and_api_show_the_outcomes(pilot, client):
    post_usage(actor=SYSTEM, fiscal_year=2022)
    post_usage(actor=SYSTEM, fiscal_year=2022, month=OCTOBER)
    project = pilot["project"]

    html = client.get(reverse("ledger:project", args=[project.pk])).content.decode()
    assert "成果" in html and "地域コミュニティセンターの予約システム" in html
    year_at, october_at = html.index("令和4年度（2022年4月〜2023年3月）"), html.index("2022年10月")
    assert year_at < october_at  # the whole year first, open; the months below it
    assert '予約件数（確定・無断不使用）</th><td class="num">5 件</td>' in html
    assert '白川センター 和室 稼働率</th><td class="num">4.48 %</td>' in html
    # The project's own figures first; each room's below them, under 内訳.
    year = html[year_at:october_at]
    assert (
        year.index("うちオンラインで本人が予約した件数")
        < year.index("<summary>内訳</summary>")
        < year.index("白川センター 和室")
    )

    data = client.get(f"/api/projects/{project.pk}").json()
    october = {o["metric"]: o for o in data["outcomes"] if o["period_start"] == "2022-10-01"}
    assert october["bookings"] == {
        "source": "facilities",
        "metric": "bookings",
        "label": "予約件数（確定・無断不使用）",
        "value": 5.0,
        "unit": "件",
        "period_start": "2022-10-01",
        "period_end": "2022-10-31",
    }
    assert october["utilisation"]["value"] == 1.8


def test_a_project_without_outcomes_shows_no_outcome_section(kumamoto, client):
    project = Project.objects.get(programme__ward__code="431010", programme__fiscal_year=2022, no=2)
    assert "outcomes-heading" not in client.get(reverse("ledger:project", args=[project.pk])).content.decode()
    assert client.get(f"/api/projects/{project.pk}").json()["outcomes"] == []
