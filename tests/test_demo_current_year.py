"""`machi demo` makes the current fiscal year tryable beside the FY2022 record, which it leaves as the seed
prints it: a demo programme per ward, an open grant round, a lottery taking applications, rooms to book."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from tests.conftest import DATASET

from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.facilities import actions as facility_actions
from machi.facilities import demo as facilities_demo
from machi.facilities.actions.lottery import apply
from machi.facilities.models import Lottery, Reservation, Room
from machi.facilities.queries import closure_reason
from machi.grants import demo as grants_demo
from machi.grants.models import GrantProgramme, GrantTrack
from machi.ledger import demo as ledger_demo
from machi.ledger.importers.csv_reader import read_csv
from machi.ledger.models import FigureChange, Programme, Project
from machi.requests import demo as requests_demo
from machi.requests.models import Expenditure

YEAR = ledger_demo.current_fiscal_year()
WARDS = {"中央区", "東区", "西区", "南区", "北区"}


def run_demo() -> str:
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def open_day(centre, start: datetime.date) -> datetime.date:
    day = start
    while closure_reason(centre, day):
        day += datetime.timedelta(days=1)
    return day


@pytest.fixture
def resident(django_user_model):
    return django_user_model.objects.create_user("hanako", email="hanako@example.jp", display_name="花子")


def each_ward_gets_a_demo_programme_of_this_year_and_fy2022_stays_as_the_seed_prints_it():
    current = Programme.objects.for_year(YEAR).select_related("ward")
    assert {p.ward.name for p in current} == WARDS
    assert all(p.is_demo for p in current)
    assert not Programme.objects.for_year(2022).filter(is_demo=True).exists()
    # The same plan, with FY2022's revised figures as the demo's initial budget.
    chuo = {
        p.no: p for p in Project.objects.filter(programme__fiscal_year=YEAR, programme__ward__name="中央区")
    }
    old = {
        p.no: p for p in Project.objects.filter(programme__fiscal_year=2022, programme__ward__name="中央区")
    }
    assert set(chuo) == set(old)
    assert all(chuo[no].initial_yen == old[no].revised_yen for no in old)
    assert all(chuo[no].revised_yen is None for no in old)
    # Nothing settled yet, but what the demo's requests paid from the quick-response fund (requests.demo).
    fund = chuo.pop(requests_demo.FUNDS["中央区"])
    assert fund.settled_yen == sum(
        e.amount_yen for e in Expenditure.objects.filter(request__ward__name="中央区")
    )
    assert all(project.settled_yen is None for project in chuo.values())

    seed = {(row.ward, row.no, row.name): row for row in read_csv(DATASET / "ledger.csv").rows}
    stored = Project.objects.for_year(2022).select_related("programme__ward")
    assert len(stored) == len(seed) == 73
    for project in stored:
        row = seed[(project.programme.ward.name, project.no, project.name)]
        assert (project.initial_yen, project.revised_yen, project.settled_yen) == (
            row.initial_yen,
            row.revised_yen,
            row.settled_yen,
        ), project
    for ward in WARDS:
        projects = [p for p in stored if p.programme.ward.name == ward]
        rows = [r for r in seed.values() if r.ward == ward]
        for stage in ("initial_yen", "revised_yen", "settled_yen"):
            assert sum(getattr(p, stage) or 0 for p in projects) == sum(getattr(r, stage) or 0 for r in rows)
    assert (
        not FigureChange.objects.filter(project__programme__fiscal_year=2022)
        .exclude(reason__startswith="取込")
        .exists()
    )


@pytest.mark.django_db
def test_a_grant_round_is_open_a_lottery_takes_applications_and_a_room_is_bookable_now(resident):
    run_demo()
    now = timezone.now()

    rounds = GrantProgramme.objects.filter(fiscal_year=YEAR).select_related("project__programme")
    assert {p.ward.name for p in rounds} == {"中央区", "東区", "西区", "南区"}
    assert all(p.is_open(now) and p.project.programme.is_demo for p in rounds)
    nishi = rounds.get(ward__name="西区")
    assert list(nishi.tracks.values_list("name", flat=True)) == ["身近な課題解決対応", "モデル事業"]
    assert (
        nishi.envelope_yen
        == Project.objects.get(programme__fiscal_year=2022, programme__ward__name="西区", no=2).revised_yen
    )

    lottery = Lottery.objects.select_related("centre").get(centre__name="五福校区地域コミュニティセンター")
    assert lottery.applications_open_at <= now < lottery.applications_close_at
    months_ahead = (lottery.month.year - now.year) * 12 + lottery.month.month - timezone.localdate(now).month
    assert 2 <= months_ahead <= 4
    room = Room.objects.filter(centre=lottery.centre).order_by("pk").first()
    block = lottery.centre.blocks.order_by("position").first()
    entry = apply(
        actor=resident,
        lottery=lottery,
        choices=[(room, open_day(lottery.centre, lottery.month), [block.code])],
    )
    assert entry.pk is not None

    day = open_day(room.centre, timezone.localdate() + datetime.timedelta(days=7))
    booking = facility_actions.book(
        actor=resident, room=room, date=day, block_codes=[block.code], purpose="会議"
    )
    assert booking.status in (Reservation.Status.CONFIRMED, Reservation.Status.PENDING)


@pytest.mark.django_db
def test_the_demo_makes_this_years_programmes_keeps_fy2022_as_seeded_and_a_second_run_changes_nothing():
    """What one `machi demo` (seconds of work) makes; a second run changes nothing and says so; a later date
    moves the dates without duplicates."""
    run_demo()
    each_ward_gets_a_demo_programme_of_this_year_and_fy2022_stays_as_the_seed_prints_it()
    counts = (
        Programme.objects.count(),
        Project.objects.count(),
        Lottery.objects.count(),
        GrantProgramme.objects.count(),
        GrantTrack.objects.count(),
    )
    audited = AuditEntry.objects.count()

    again = run_demo()

    assert "変更はありません" in again
    assert (
        Programme.objects.count(),
        Project.objects.count(),
        Lottery.objects.count(),
        GrantProgramme.objects.count(),
        GrantTrack.objects.count(),
    ) == counts
    assert AuditEntry.objects.count() == audited

    # Forty days on, in the same fiscal year where possible: the round's closing date moves forward and
    # a later month goes to lottery; no programme, project or round is made twice.
    later = timezone.now() + datetime.timedelta(days=40)
    ledger_demo.load_current_year(actor=SYSTEM, today=timezone.localdate(later))
    lotteries = facilities_demo.load_lotteries(actor=SYSTEM, now=later)
    grants = grants_demo.load_current_year(actor=SYSTEM, today=timezone.localdate(later))
    assert lotteries.created and all(
        Lottery.objects.filter(centre__name=name).values("month").distinct().count()
        == Lottery.objects.filter(centre__name=name).count()
        for _ward, name in facilities_demo.LOTTERY_CENTRES
    )
    if ledger_demo.current_fiscal_year(timezone.localdate(later)) == YEAR:
        assert Project.objects.count() == counts[1] and GrantProgramme.objects.count() == counts[3]
        assert len(grants.updated) == 4
        assert all(p.is_open(later) for p in GrantProgramme.objects.filter(fiscal_year=YEAR))


@pytest.mark.django_db
def test_a_real_programme_of_this_year_is_left_as_it_is(kumamoto):
    from machi.ledger import actions

    chuo = Programme.objects.get(ward__name="中央区", fiscal_year=2022)
    actions.carry_forward(actor=SYSTEM, programme=chuo, to_year=YEAR, initial_yen_by_project={1: 5_000_000})

    run_demo()

    real = Programme.objects.get(ward__name="中央区", fiscal_year=YEAR)
    assert not real.is_demo and Project.objects.get(programme=real, no=1).initial_yen == 5_000_000
    assert not GrantProgramme.objects.filter(fiscal_year=YEAR, ward__name="中央区").exists()
    assert Programme.objects.filter(fiscal_year=YEAR, is_demo=True).count() == 4
