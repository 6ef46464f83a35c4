"""`machi demo`'s centres in the current year: a coming month put to lottery at the demo's lottery centres.

The demo centres (centres.csv, rooms.csv) take first-come bookings `window_months_ahead` months ahead, so a
room is bookable in the coming weeks on a fresh install without anything more. Two of them run the
monthly lottery here (`LOTTERY_CENTRES`): the first month whose first-come booking has not opened yet and
whose applications stay open at least `MIN_OPEN_DAYS` more days (two to three months ahead), with
applications open from today until `CLOSE_DAYS_BEFORE` days before first-come booking of the month opens.
The lottery is set up by the real action (`actions.create_lottery`), so its seed is drawn and kept secret.

Safe to run again: a centre that already has a lottery for that month keeps it (a second run the same day
changes nothing); a run on a later date puts the next month to lottery when the last one's applications
have closed, and never makes a second lottery for one month.

The centres' ledger project: centres.csv links the 中央区 centres to FY2022 中央区 No.1 (a centre has one
project). The demo leaves that link as the shipped data says rather than moving the centres to the current
year's carried No.1: moving them would rewrite the shipped record on every run (the centres' import would
move them back), and the FY2022 figures must stay as the seed prints them. Usage is posted per fiscal year
(`post_usage` counts only the year's own bookings), so the demo's current-year bookings never reach FY2022,
and they are not posted to the carried project either.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from machi.core import dates
from machi.facilities.actions.lottery import create_lottery
from machi.facilities.models import Centre, Lottery
from machi.facilities.queries import add_months, booking_opens_at

LOTTERY_CENTRES = (
    ("中央区", "五福校区地域コミュニティセンター"),
    ("東区", "健軍校区地域コミュニティセンター"),
)
CLOSE_DAYS_BEFORE = 8  # applications close this long before first-come booking of the month opens
MIN_OPEN_DAYS = 3  # and stay open at least this long after the demo is loaded
CONFIRM_DAYS_BEFORE = 1  # winners confirm by the day before first-come booking opens


@dataclass
class LotteryReport:
    created: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed_anything(self) -> bool:
        return bool(self.created)

    def summary(self) -> str:
        made = f"（{'、'.join(self.created)}）" if self.created else ""
        return f"デモの抽選: 新規 {len(self.created)} 件{made}、変更なし {self.unchanged} 件"


def lottery_month(centre: Centre, now: datetime.datetime) -> datetime.date:
    """The first month whose applications would stay open `MIN_OPEN_DAYS` from now."""
    month = add_months(timezone.localdate(now), 1)
    while booking_opens_at(centre, month, resident=True) - datetime.timedelta(
        days=CLOSE_DAYS_BEFORE
    ) <= now + datetime.timedelta(days=MIN_OPEN_DAYS):
        month = add_months(month, 1)
    return month


def load_lotteries(*, actor, now: datetime.datetime | None = None) -> LotteryReport:
    """A lottery for a coming month at each lottery centre, applications open from today; all or nothing."""
    now = now or timezone.now()
    today = timezone.make_aware(datetime.datetime.combine(timezone.localdate(now), datetime.time(0, 0)))
    report = LotteryReport()
    with transaction.atomic():
        for ward, name in LOTTERY_CENTRES:
            centre = Centre.objects.filter(ward__name=ward, name=name).first()
            if centre is None:
                continue
            month = lottery_month(centre, now)
            if Lottery.objects.filter(centre=centre, month=month).exists():
                report.unchanged += 1
                continue
            first_come = booking_opens_at(centre, month, resident=True)
            closes = first_come - datetime.timedelta(days=CLOSE_DAYS_BEFORE)
            create_lottery(
                actor=actor,
                centre=centre,
                month=month,
                applications_open_at=min(today, now),
                applications_close_at=closes,
                draw_at=closes + datetime.timedelta(hours=1),
                confirm_by=first_come - datetime.timedelta(days=CONFIRM_DAYS_BEFORE),
                first_come_opens_at=first_come,
                now=now,
            )
            report.created.append(f"{centre.name} {dates.month(month)}分")
    return report
