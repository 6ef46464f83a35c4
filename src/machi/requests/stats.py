"""The public statistics of residents' requests, per ward, category and month (`queries.statistics`).

Definitions (the page and the CSV say them too):

- A request counts in the month it was **received** (受付, Tokyo time), in its fiscal year; each cell
  follows the requests received in it to where they stand now.
- **resolved** (対応済) counts only requests whose problem was answered: a request declined (対応不可),
  referred (引継ぎ), a duplicate (重複) or withdrawn (取下げ) is counted under its own name, never as
  resolved (FixMyStreet counts "closed" as "fixed"; Machi does not).
- **Days** are the ward office's working days (開庁日: no weekends, national holidays or 年末年始), the
  unit of the targets: from the day received to the day acknowledged (受付確認) or resolved. A request
  acknowledged on the day it was received took 0 days.
- **Within target** (目標内の割合): of the resolved requests, the share resolved on or before their
  expected date (the category's target days from receipt), in percent.
- **Overdue** (期限超過): requests still open (受付・確認中・対応中) past their expected date, today.
- A cell of fewer than 5 requests is **withheld** (`withheld`): its counts are shown as 「5件未満」 and
  its medians not at all, so that a single request cannot be picked out and a median of two is not
  read as a ward's performance (FixMyStreet's league table was skewed by one report).

One query reads the requests of the year (constant whatever their number); the figures are counted
in Python, the same on SQLite and PostgreSQL.
"""

import datetime
import statistics as pystats
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.utils import timezone

from machi.core.fiscal import fiscal_year_bounds
from machi.requests.models import Request
from machi.requests.workdays import is_working_day

THRESHOLD = 5
Status = Request.Status
COUNTED = ("resolved", "referred", "declined", "withdrawn", "duplicate")


@dataclass
class Cell:
    """One group of requests (a ward's category in a month, or in the whole year: `month` None)."""

    ward_code: str
    ward_name: str
    category_code: str
    category_name: str
    category_group: str
    month: datetime.date | None
    fund_id: int | None = None
    category_id: int | None = None
    category_public: bool = True
    received: int = 0
    resolved: int = 0
    referred: int = 0
    declined: int = 0
    withdrawn: int = 0
    duplicate: int = 0
    overdue: int = 0
    ack_days: list = field(default_factory=list, repr=False)
    resolve_days: list = field(default_factory=list, repr=False)
    within_target: int = 0

    @property
    def withheld(self) -> bool:
        return self.received < THRESHOLD

    @property
    def median_ack_days(self) -> Decimal | None:
        return None if self.withheld else _median(self.ack_days)

    @property
    def median_resolve_days(self) -> Decimal | None:
        return None if self.withheld else _median(self.resolve_days)

    @property
    def within_target_share(self) -> Decimal | None:
        """Percent of the resolved requests resolved by their expected date."""
        if self.withheld or not self.resolved:
            return None
        return (Decimal(self.within_target) * 100 / self.resolved).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    def shown(self, name: str):
        """A count as the public sees it: None where the cell is withheld."""
        return None if self.withheld else getattr(self, name)

    def add(self, row: dict, today: datetime.date) -> None:
        self.received += 1
        status = row["status"]
        if status in COUNTED:
            setattr(self, status, getattr(self, status) + 1)
        received_on = timezone.localdate(row["created_at"])
        if row["acknowledged_at"] is not None:
            self.ack_days.append(
                working_days_between(received_on, timezone.localdate(row["acknowledged_at"]))
            )
        if status == Status.RESOLVED and row["resolved_at"] is not None:
            resolved_on = timezone.localdate(row["resolved_at"])
            self.resolve_days.append(working_days_between(received_on, resolved_on))
            self.within_target += resolved_on <= row["expected_by"]
        if status in Request.OPEN and row["expected_by"] < today:
            self.overdue += 1


def _median(days: list[int]) -> Decimal | None:
    if not days:
        return None
    return Decimal(str(pystats.median(days))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@lru_cache(maxsize=8)
def _working_day_numbers(start: datetime.date, end: datetime.date) -> dict:
    """Each day's count of working days since `start` (a running total, so a difference is a span)."""
    numbers, count, day = {}, 0, start
    while day <= end:
        count += is_working_day(day)
        numbers[day] = count
        day += datetime.timedelta(days=1)
    return numbers


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end` (0 on the same day)."""
    if end <= start:
        return 0
    first = datetime.date(start.year - 1, 1, 1)
    numbers = _working_day_numbers(first, datetime.date(max(end.year, start.year + 1) + 1, 12, 31))
    return numbers[end] - numbers[start]


def month_of(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment).replace(day=1)


def statistics(
    *,
    fiscal_year: int,
    ward=None,
    month: datetime.date | None = None,
    public_only: bool = True,
    today: datetime.date | None = None,
) -> list[Cell]:
    """Cells per ward, category and month of the fiscal year (or the one month asked for), each
    category's whole year after its months (`month` None), ordered by ward, category and month.

    Only public categories unless `public_only` is False. One query.
    """
    today = today or timezone.localdate()
    requests = Request.objects.filter(fiscal_year=fiscal_year)
    if ward is not None:
        requests = requests.filter(ward=ward)
    if public_only:
        requests = requests.filter(category__public=True)
    if month is not None:
        start, end = fiscal_year_bounds(fiscal_year)
        first = month.replace(day=1)
        if not start <= first <= end:
            raise ValueError(f"{first:%Y-%m} is not a month of fiscal year {fiscal_year}")
    rows = requests.order_by().values(
        "ward__code",
        "ward__name",
        "category_id",
        "category__code",
        "category__name",
        "category__group",
        "category__fund_id",
        "category__public",
        "status",
        "created_at",
        "acknowledged_at",
        "resolved_at",
        "expected_by",
    )
    cells: dict[tuple, Cell] = {}
    for row in rows:
        received = month_of(row["created_at"])
        if month is not None and received != month.replace(day=1):
            continue
        for key_month in (received,) if month is not None else (received, None):
            key = (row["ward__code"], row["category__code"], key_month or datetime.date.max)
            cell = cells.get(key)
            if cell is None:
                cell = cells[key] = Cell(
                    ward_code=row["ward__code"],
                    ward_name=row["ward__name"],
                    category_code=row["category__code"],
                    category_name=row["category__name"],
                    category_group=row["category__group"],
                    month=key_month,
                    fund_id=row["category__fund_id"],
                    category_id=row["category_id"],
                    category_public=row["category__public"],
                )
            cell.add(row, today)
    return [cells[key] for key in sorted(cells)]


def totals(cells: list[Cell], *, key=lambda cell: (cell.ward_code, cell.month)) -> dict:
    """Cells summed by `key` (by default per ward and month, all categories together), withheld alike."""
    summed: dict = defaultdict(lambda: None)
    for cell in cells:
        k = key(cell)
        total = summed[k]
        if total is None:
            total = summed[k] = Cell(cell.ward_code, cell.ward_name, "", "", "", cell.month, cell.fund_id)
        for name in ("received", "within_target", "overdue", *COUNTED):
            setattr(total, name, getattr(total, name) + getattr(cell, name))
        total.ack_days += cell.ack_days
        total.resolve_days += cell.resolve_days
    return dict(summed)
