"""`machi demo`'s events: illustrative events in every ward, each saying in its description that it is demo.

**Open now, on the current year's demo programme** (`ledger.demo` carries each ward's FY2022 projects
to it, with the same No.): in each of the five wards

- a series course (講座, 3 sessions a week apart), first come, with a waiting list;
- a drill (訓練) at an outside place, with its address and coordinates (illustrative places);
- a festival without registration (まつり・大会): Machi has no "no registration" switch, and the demo
  does not pretend to have one. The festival takes registration like any event, with a capacity the
  size of its ground, no waiting list and parties of up to 10, and its description says plainly that
  no registration is needed: anyone may simply come, and registering only tells the ward how many
  to expect. No one is ever turned away because they did not register;
- a talk (講演会) whose places are drawn by lottery (allocation = lottery).

Registration opens the day the demo is loaded and closes the day before the first session, 3 to 5
weeks ahead.

**Held, on FY2022 event projects** (`PAST`): events with registrations taken by phone (callers with
made-up names and 000- phone numbers), a waiting party promoted by a cancellation, and check-ins at
the door; then their outcomes are posted (`actions.post_event_outcomes`), so those FY2022 project pages
show what the events achieved. They record **no expense**: FY2022's 決算額 stays as the seed prints it.

Everything goes through the events' actions as the system operator, except two steps whose actions
come with the door's check-in work: the check-in rows, and marking an event held (audited here).

Safe to run again: an event is matched by its project and title, so a second run changes nothing and
says so; the outcomes are posted only when a past event was made.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from machi.audit.actions import record
from machi.core.fiscal import fiscal_year_of, wareki
from machi.events import actions
from machi.events.models import CheckIn, Event, Registration

DEMO_NOTE = "※デモ用の催しです（実在の催しではありません）。"
OPEN_NOTE = "申込の操作は試せますが、実際には開催されません。"
FESTIVAL_NOTE = (
    "申込は不要です。当日、直接会場へお越しください。"
    "人数の目安を知るため、申込もできます（申込がなくても参加できます）。"
)
PAST_YEAR = 2022
WARDS = ("中央区", "東区", "西区", "南区", "北区")


@dataclass(frozen=True)
class Place:
    name: str
    address: str
    latitude: str
    longitude: str


# Illustrative outside places for the drills, near each ward office (not the city's drill sites).
DRILL_PLACES = {
    "中央区": Place("白川公園（デモの会場）", "熊本県熊本市中央区草葉町", "32.799000", "130.716000"),
    "東区": Place("東部の公園（デモの会場）", "熊本県熊本市東区東本町", "32.792000", "130.755000"),
    "西区": Place("西区役所そばの広場（デモの会場）", "熊本県熊本市西区春日1丁目", "32.790500", "130.689000"),
    "南区": Place("富合の公園（デモの会場）", "熊本県熊本市南区富合町清藤", "32.710000", "130.700000"),
    "北区": Place("植木の公園（デモの会場）", "熊本県熊本市北区植木町岩野", "32.896000", "130.685000"),
}

# The current year's events: ward → (course, drill, festival, talk) project No. of the carried programme.
CURRENT = {
    "中央区": (11, 6, 3, 8),
    "東区": (6, 10, 18, 9),
    "西区": (5, 9, 6, 7),
    "南区": (1, 3, 10, 9),
    "北区": (2, 4, 1, 1),
}


@dataclass(frozen=True)
class PastEvent:
    ward: str
    project_no: int
    kind: str
    title: str
    title_kana: str
    first: datetime.datetime  # the first session (Tokyo)
    sessions: int
    capacity: int
    callers: int  # registrations taken by phone, parties of 1–3 in turn
    absent_every: int  # every n-th confirmed registration does not come


def _tokyo(year, month, day, hour=10) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=timezone.get_default_timezone())


PAST = (
    PastEvent("中央区", 6, "training", "地域防災リーダー研修会", "ちいきぼうさいりーだーけんしゅうかい", _tokyo(2022, 7, 9), 1, 30, 14, 5),
    PastEvent("中央区", 11, "course", "まちづくりスクール（全3回）", "まちづくりすくーる", _tokyo(2022, 10, 1), 3, 20, 12, 6),
    PastEvent("東区", 10, "drill", "地域防災合同訓練", "ちいきぼうさいごうどうくんれん", _tokyo(2022, 11, 13, 9), 1, 60, 20, 7),
    PastEvent("東区", 9, "lecture", "防災・減災講演会", "ぼうさいげんさいこうえんかい", _tokyo(2023, 1, 21, 14), 1, 12, 10, 4),
    PastEvent("西区", 9, "drill", "避難所開設訓練", "ひなんじょかいせつくんれん", _tokyo(2022, 9, 4, 9), 1, 40, 15, 5),
    PastEvent("南区", 10, "festival", "南区いきいきスポーツ大会", "みなみくいきいきすぽーつたいかい", _tokyo(2022, 10, 23, 9), 1, 120, 24, 8),
    PastEvent("北区", 4, "lecture", "地域の安全・安心講演会", "ちいきのあんぜんあんしんこうえんかい", _tokyo(2022, 8, 27, 14), 1, 50, 16, 4),
)  # fmt: skip


@dataclass
class DemoReport:
    fiscal_year: int | None = None
    created: list[str] = field(default_factory=list)
    unchanged: int = 0
    posted: int = 0

    @property
    def changed_anything(self) -> bool:
        return bool(self.created)

    def summary(self) -> str:
        year = f"{wareki(self.fiscal_year)}の受付中と" if self.fiscal_year else ""
        posted = f"、{wareki(PAST_YEAR)}の成果を {self.posted} 件計上" if self.posted else ""
        return (
            f"デモの催し（{year}{wareki(PAST_YEAR)}の開催済み）: 新規 {len(self.created)} 件、"
            f"変更なし {self.unchanged} 件{posted}"
        )


def load(*, actor, now: datetime.datetime | None = None) -> DemoReport:
    """Both parts, all or nothing."""
    now = now or timezone.now()
    report = DemoReport()
    with transaction.atomic():
        load_current_year(actor=actor, now=now, report=report)
        load_past(actor=actor, report=report)
    return report


# --- Open now ----------------------------------------------------------------------------------


def load_current_year(*, actor, now: datetime.datetime, report: DemoReport) -> None:
    """The four events of each ward on its current-year demo programme (none before the ledger's demo)."""
    from machi.ledger.models import Project

    year = fiscal_year_of(now)
    projects = {
        (p.programme.ward.name, p.no): p
        for p in Project.objects.filter(programme__fiscal_year=year, programme__is_demo=True).select_related(
            "programme__ward"
        )
    }
    if not projects:
        return
    report.fiscal_year = year
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    for ward in WARDS:
        course, drill, festival, talk = (projects.get((ward, no)) for no in CURRENT[ward])
        place = DRILL_PLACES[ward]
        plans = [
            (
                course,
                {
                    "kind": Event.Kind.COURSE,
                    "title": f"{ward}まちづくり講座（全3回）",
                    "title_kana": "まちづくりこうざ",
                    "description": "地域の課題と取組を3回で学ぶ講座です。3回とも同じ方が参加してください。",
                    "capacity_seats": 24,
                    "max_party": 2,
                    "venue_name": f"{ward}役所 会議室（デモの会場）",
                },
                _sessions(today, days=21, hour=10, count=3),
            ),
            (
                drill,
                {
                    "kind": Event.Kind.DRILL,
                    "title": f"{ward}地域防災訓練",
                    "title_kana": "ちいきぼうさいくんれん",
                    "description": "避難・初期消火・応急手当の訓練です。動きやすい服装でお越しください。",
                    "capacity_seats": 80,
                    "max_party": 4,
                    "venue_name": place.name,
                    "venue_address": place.address,
                    "latitude": Decimal(place.latitude),
                    "longitude": Decimal(place.longitude),
                    "accessibility": "会場は屋外の平地です。車いすの方も参加できます。",
                },
                _sessions(today, days=28, hour=9, count=1),
            ),
            (
                festival,
                {
                    "kind": Event.Kind.FESTIVAL,
                    "title": f"{ward}ふれあいまつり",
                    "title_kana": "ふれあいまつり",
                    "description": f"{FESTIVAL_NOTE}\n地域の団体の出店や舞台発表があります。",
                    "capacity_seats": 300,
                    "max_party": 10,
                    "waitlist": False,
                    "venue_name": f"{ward}の広場（デモの会場）",
                },
                _sessions(today, days=35, hour=10, count=1, hours=6),
            ),
            (
                talk,
                {
                    "kind": Event.Kind.LECTURE,
                    "title": f"{ward}講演会（抽選）",
                    "title_kana": "こうえんかい",
                    "description": "申込の多いときは抽選で参加者を決めます。結果はメールでお知らせします。",
                    "capacity_seats": 40,
                    "max_party": 2,
                    "allocation": Event.Allocation.LOTTERY,
                    "venue_name": f"{ward}役所 ホール（デモの会場）",
                    "accessibility": "手話通訳があります。",
                },
                _sessions(today, days=30, hour=14, count=1),
            ),
        ]
        for project, fields, sessions in plans:
            if project is None:
                continue
            _ensure_open_event(actor, project, fields, sessions, now=now, report=report)


def _sessions(today, *, days: int, hour: int, count: int, hours: int = 2):
    first = today + datetime.timedelta(days=days, hours=hour)
    return [
        (first + datetime.timedelta(days=7 * n), first + datetime.timedelta(days=7 * n, hours=hours))
        for n in range(count)
    ]


def _ensure_open_event(actor, project, fields, sessions, *, now, report: DemoReport) -> None:
    title = fields["title"]
    if Event.objects.filter(project=project, title=title).exists():
        report.unchanged += 1
        return
    first = sessions[0][0]
    opens = min(now, timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0))
    event = actions.create_event(
        actor=actor,
        project=project,
        registration_opens_at=opens,
        registration_closes_at=first - datetime.timedelta(days=1),
        cancel_until=first - datetime.timedelta(days=1),
        sessions=sessions,
        contact=f"{project.programme.ward.name}役所 まちづくり推進課（デモ）",
        **(fields | {"description": f"{fields['description']}\n{DEMO_NOTE}{OPEN_NOTE}"}),
    )
    actions.publish_event(actor=actor, event=event)
    report.created.append(f"{project.programme.ward.name} {title}")


# --- Held in FY2022 ------------------------------------------------------------------------------


def load_past(*, actor, report: DemoReport) -> None:
    """The FY2022 events with their attendance; their outcomes posted when one was made."""
    from machi.ledger.models import Project

    projects = {
        (p.programme.ward.name, p.no): p
        for p in Project.objects.filter(programme__fiscal_year=PAST_YEAR).select_related("programme__ward")
    }
    made = False
    for plan in PAST:
        project = projects.get((plan.ward, plan.project_no))
        if project is None:
            continue
        if Event.objects.filter(project=project, title=plan.title).exists():
            report.unchanged += 1
            continue
        _held_event(actor, project, plan)
        report.created.append(f"{plan.ward} {plan.title}（{wareki(PAST_YEAR)}）")
        made = True
    if made:
        postings = actions.post_event_outcomes(actor=actor, fiscal_year=PAST_YEAR)
        report.posted = len(postings)


def _held_event(actor, project, plan: PastEvent) -> Event:
    first = plan.first
    sessions = [
        (first + datetime.timedelta(days=7 * n), first + datetime.timedelta(days=7 * n, hours=2))
        for n in range(plan.sessions)
    ]
    opens = first - datetime.timedelta(days=30)
    event = actions.create_event(
        actor=actor,
        project=project,
        kind=plan.kind,
        title=plan.title,
        title_kana=plan.title_kana,
        description=f"{wareki(PAST_YEAR)}に開催した催しの記録（参加者数はデモの値です）。\n{DEMO_NOTE}",
        capacity_seats=plan.capacity,
        max_party=3,
        registration_opens_at=opens,
        registration_closes_at=first - datetime.timedelta(days=1),
        cancel_until=first - datetime.timedelta(days=2),
        sessions=sessions,
        venue_name=f"{plan.ward}内の会場（デモ）",
        contact=f"{plan.ward}役所 まちづくり推進課（デモ）",
    )
    actions.publish_event(actor=actor, event=event)
    registrations = []
    for n in range(plan.callers):
        when = opens + datetime.timedelta(days=1, minutes=n)
        registrations.append(
            actions.register(
                actor=actor,
                event=event,
                party_size=1 + n % 3,
                caller=(f"デモ参加者{n + 1}", f"でもさんかしゃ{n + 1}", f"000-0000-{n + 1:04d}"),
                now=when,
            )
        )
    # One early party cancels: the waiting parties that fit move up, first in first out.
    actions.cancel(actor=actor, registration=registrations[0], now=opens + datetime.timedelta(days=2))
    confirmed = list(
        Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED).order_by("id")
    )
    sessions = list(event.sessions.all())
    checkins = [
        CheckIn(registration=registration, session=session)
        for n, registration in enumerate(confirmed, start=1)
        if n % plan.absent_every
        for session in sessions
    ]
    CheckIn.objects.bulk_create(checkins)
    absent = [r.pk for n, r in enumerate(confirmed, start=1) if not n % plan.absent_every]
    Registration.objects.filter(pk__in=absent).update(no_show=True)
    Event.objects.filter(pk=event.pk).update(status=Event.Status.HELD)
    event.status = Event.Status.HELD
    record(
        actor=actor,
        action="events.held",
        obj=event,
        before={"status": Event.Status.PUBLISHED},
        after={"status": Event.Status.HELD, "checkins": len(checkins), "no_shows": len(absent)},
    )
    return event
