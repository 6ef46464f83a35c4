"""`machi demo`'s events: in every ward, events open for registration now on the current year's demo
programme, and held events with their attendance on FY2022 projects, whose pages then show outcomes;
FY2022's money untouched; a second run changes nothing."""

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.conftest import DATASET
from tests.test_demo_current_year import WARDS, YEAR, run_demo

from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.events import actions
from machi.events.demo import DEMO_NOTE, FESTIVAL_NOTE
from machi.events.models import CheckIn, Event, Registration
from machi.ledger.importers.csv_reader import read_csv
from machi.ledger.models import FigureChange, Outcome, Project


@pytest.mark.django_db
def test_the_demo_opens_four_events_in_every_ward_and_records_fy2022_attendance(client):
    out = run_demo()
    assert "デモの催し" in out
    now = timezone.now()

    current = Event.objects.filter(project__programme__fiscal_year=YEAR).select_related(
        "ward", "project__programme"
    )
    assert all(e.project.programme.is_demo and DEMO_NOTE in e.description for e in current)
    assert all(
        e.status == Event.Status.PUBLISHED and e.registration_opens_at <= now < e.registration_closes_at
        for e in current
    )
    for ward in WARDS:
        kinds = {e.kind: e for e in current if e.ward.name == ward}
        assert set(kinds) == {"course", "drill", "festival", "lecture"}, ward
        assert kinds["course"].sessions.count() == 3
        drill = kinds["drill"]
        assert drill.venue_address.startswith("熊本県熊本市") and drill.latitude and drill.longitude
        festival = kinds["festival"]
        assert not festival.waitlist and FESTIVAL_NOTE in festival.description
        assert kinds["lecture"].allocation == Event.Allocation.LOTTERY
    # Open now: a caller registers for a course by phone.
    course = current.get(ward__name="中央区", kind="course")
    taken = actions.register(
        actor=SYSTEM, event=course, party_size=2, caller=("電話 花子", "でんわ はなこ", "096-000-0000")
    )
    assert taken.status == Registration.Status.CONFIRMED

    held = Event.objects.filter(project__programme__fiscal_year=2022)
    assert held.count() >= 5 and all(e.status == Event.Status.HELD for e in held)
    assert CheckIn.objects.filter(registration__event__in=held).exists()
    assert Registration.objects.filter(
        event__in=held, waitlisted_at__isnull=False, status="confirmed"
    ).exists()
    # FY2022 money as the seed prints it; the events' outcomes on its projects.
    seed = {(row.ward, row.no): row.settled_yen for row in read_csv(DATASET / "ledger.csv").rows}
    stored = Project.objects.for_year(2022).values_list("programme__ward__name", "no", "settled_yen")
    assert {(ward, no): settled for ward, no, settled in stored} == seed
    assert (
        not FigureChange.objects.filter(project__programme__fiscal_year=2022)
        .exclude(reason__startswith="取込")
        .exists()
    )
    project = Project.objects.get(programme__fiscal_year=2022, programme__ward__name="東区", no=10)
    attendees = Outcome.objects.get(
        project=project, source="events", metric="attendees", period_start="2022-04-01"
    )
    assert attendees.value > 0
    page = client.get(reverse("ledger:project", args=[project.pk])).content.decode()
    assert "出席者数（受付を済ませた申込の人数）" in page and "参加者1人あたりの経費" in page

    counts = (
        Event.objects.count(),
        Registration.objects.count(),
        CheckIn.objects.count(),
        Outcome.objects.count(),
    )
    audited = AuditEntry.objects.count()
    again = run_demo()
    assert "デモの催し（" in again and "新規 0 件" in again.split("デモの催し")[1]
    assert "変更はありません" in again
    assert (
        Event.objects.count(),
        Registration.objects.count(),
        CheckIn.objects.count(),
        Outcome.objects.count(),
    ) == counts
    assert AuditEntry.objects.count() == audited
