"""`machi events post-outcomes` posts, per project and month, what the held events achieved; re-posting
replaces; the project page shows the figures and derives the cost per attendee."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from machi.accounts.actors import SYSTEM
from machi.events import actions
from machi.events.models import CheckIn, Event, Registration
from machi.ledger.models import Outcome

TOKYO = datetime.timezone(datetime.timedelta(hours=9))


def at(month: int, day: int, hour: int = 10, year: int = 2026) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=TOKYO)


def held_event(project, *, month: int, day: int, sessions: int = 1, capacity: int = 10, title="防災講座"):
    first = at(month, day)
    event = actions.create_event(
        actor=SYSTEM,
        project=project,
        kind="course",
        title=title,
        title_kana="ぼうさいこうざ",
        capacity_seats=capacity,
        max_party=3,
        registration_opens_at=first - datetime.timedelta(days=20),
        registration_closes_at=first - datetime.timedelta(days=1),
        cancel_until=first - datetime.timedelta(days=2),
        sessions=[
            (first + datetime.timedelta(days=7 * n), first + datetime.timedelta(days=7 * n, hours=2))
            for n in range(sessions)
        ],
    )
    return actions.publish_event(actor=SYSTEM, event=event)


def caller(event, party: int, phone: str, *, when):
    return actions.register(
        actor=SYSTEM, event=event, party_size=party, caller=("電話 花子", "でんわ はなこ", phone), now=when
    )


def check_in(registration):
    session = registration.event.sessions.first()
    return CheckIn.objects.create(registration=registration, session=session)


def hold(event):
    Event.objects.filter(pk=event.pk).update(status=Event.Status.HELD)


def figures(project, start, end) -> dict:
    return {
        o.metric: o.value
        for o in Outcome.objects.filter(project=project, source="events", period_start=start, period_end=end)
    }


@pytest.fixture
def two_months(project):
    """May: a 3-session course of 4 seats (a party of 3 and 1; one cancels, a waiting party is promoted).
    June: a talk; the same caller comes again (not first time), a new one stays away."""
    may = held_event(project, month=5, day=10, sessions=3, capacity=4)
    when = at(5, 1)
    a = caller(may, 3, "096-111-1111", when=when)
    b = caller(may, 1, "096-222-2222", when=when)
    waiting = caller(may, 1, "096-333-3333", when=when)
    assert waiting.status == Registration.Status.WAITLISTED
    actions.cancel(actor=SYSTEM, registration=b, now=when)
    check_in(a)
    check_in(Registration.objects.get(pk=waiting.pk))
    hold(may)

    june = held_event(project, month=6, day=12, title="防災講演会")
    when = at(6, 1)
    again = caller(june, 2, "０９６-１１１-１１１１", when=when)  # the same phone, typed full-width
    away = caller(june, 2, "096-444-4444", when=when)
    check_in(again)
    hold(june)
    # Not held yet: counts nowhere.
    held_event(project, month=7, day=1, title="未開催の講座")
    return may, june, away


def test_each_month_and_the_year_get_their_figures(project, two_months):
    out = StringIO()
    call_command("events", "post-outcomes", "--year", "令和8年度", stdout=out)

    may = figures(project, datetime.date(2026, 5, 1), datetime.date(2026, 5, 31))
    assert may == {
        "events-held": Decimal("1.00"),
        "sessions": Decimal("3.00"),
        "registrations": Decimal("2.00"),
        "seats": Decimal("4.00"),
        "attendees": Decimal("4.00"),
        "attendance-rate": Decimal("100.00"),
        "no-show-rate": Decimal("0.00"),
        "first-time": Decimal("2.00"),
        "waitlist-promotions": Decimal("1.00"),
    }
    june = figures(project, datetime.date(2026, 6, 1), datetime.date(2026, 6, 30))
    assert june["attendees"] == 2 and june["seats"] == 4
    assert june["attendance-rate"] == Decimal("50.00") and june["no-show-rate"] == Decimal("50.00")
    assert june["first-time"] == 0  # came in May already
    year = figures(project, datetime.date(2026, 4, 1), datetime.date(2027, 3, 31))
    assert year["events-held"] == 2 and year["attendees"] == 6 and year["first-time"] == 2
    # Months without a held event get no rows.
    assert not figures(project, datetime.date(2026, 7, 1), datetime.date(2026, 7, 31))
    assert "防災意識の向上事業: 2026年5月 催し 1 件、3 回、申込 2 件（4 人）、出席 4 人" in out.getvalue()


def test_re_posting_replaces_and_withdraws(project, two_months):
    _may, june, _away = two_months
    call_command("events", "post-outcomes", "--year", "2026", stdout=StringIO())
    count = Outcome.objects.filter(source="events").count()

    call_command("events", "post-outcomes", "--year", "2026", stdout=StringIO())
    assert Outcome.objects.filter(source="events").count() == count

    Event.objects.filter(pk=june.pk).update(status=Event.Status.CANCELLED)
    call_command("events", "post-outcomes", "--year", "2026", "--month", "6", stdout=StringIO())
    assert not figures(project, datetime.date(2026, 6, 1), datetime.date(2026, 6, 30))
    assert figures(project, datetime.date(2026, 5, 1), datetime.date(2026, 5, 31))


def test_a_month_outside_the_year_is_refused(project):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="2026年度"):
        call_command("events", "post-outcomes", "--year", "2026", "--month", "2026-03", stdout=StringIO())


def test_the_project_page_and_api_show_the_figures_and_the_cost_per_attendee(client, project, two_months):
    project.initial_yen = 100_000
    project.save()
    may, _june, _away = two_months
    actions.record_expense(
        actor=SYSTEM,
        event=may,
        section="rewards",
        payee="講師",
        paid_on=datetime.date(2026, 5, 31),
        amount_yen=30_000,
    )
    call_command("events", "post-outcomes", "--year", "2026", stdout=StringIO())

    page = client.get(reverse("ledger:project", args=[project.pk])).content.decode()
    assert "催し・講座・訓練の申込・受付" in page
    assert "出席者数（受付を済ませた申込の人数）" in page
    assert "参加者1人あたりの経費: 約5,000円（決算額 30,000円 ÷ 年度の出席者 6人" in page

    detail = client.get(f"/api/projects/{project.pk}").json()
    attendees = [o for o in detail["outcomes"] if o["source"] == "events" and o["metric"] == "attendees"]
    assert {(o["period_start"], o["value"]) for o in attendees} == {
        ("2026-04-01", 6.0),
        ("2026-05-01", 4.0),
        ("2026-06-01", 2.0),
    }
