"""Posting what the requests show to each fund project as its ledger outcomes (source "requests").

Through the ledger's own `post_outcomes`, as events and the centres post theirs: per fund project
(the ledger project a category names as its `fund`) and period — the fiscal year April–March and
each month, or the one month asked for. Re-posting a period replaces its figures; a figure no longer
given (a cell now withheld, a category gone) is withdrawn.

The figures are those of the public statistics (`machi.requests.stats`, where each is defined):
for the project as a whole (all the categories it pays for, public or not: a total names none) and,
under 内訳, per public category (`category-<id>__<metric>`). A group of fewer than 5 requests posts
no counts or medians at all, as the statistics page withholds them. The yen spent per category is
the sum of its expenditures' `signed_yen` paid in the period (refunds, 戻入, taken off), posted
whatever the count: money is public in the ledger already.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from machi.core.fiscal import fiscal_periods
from machi.requests.models import Category, Expenditure
from machi.requests.stats import Cell, statistics, totals

SOURCE = "requests"
CENT = Decimal("0.01")

# (metric, label, unit) of each figure a group posts, in the order the project page shows them.
COUNTS = (
    ("received", "受付件数", "件"),
    ("resolved", "対応済（解決した件数。対応不可・引継ぎ・重複・取下げは含まない）", "件"),
    ("referred", "引継ぎ（他の機関へ）", "件"),
    ("declined", "対応不可", "件"),
)
DERIVED = (
    ("median_ack_days", "median-ack-days", "受付確認までの日数（中央値、開庁日）", "日"),
    ("median_resolve_days", "median-resolve-days", "対応済までの日数（中央値、開庁日）", "日"),
    ("within_target_share", "within-target", "目標日数内に対応済となった割合", "%"),
)


@dataclass
class RequestsPosting:
    project: object
    start: datetime.date
    end: datetime.date
    total: Cell | None
    spent_yen: int = 0
    figures: list = field(default_factory=list)
    withdrawn: int = 0


def _figures(cell: Cell | None, spent_yen: int | None, *, prefix: str = "", name: str = "") -> list:
    from machi.ledger.actions import OutcomeFigure

    label = (lambda text: f"{name}: {text}") if name else (lambda text: text)
    figures = []
    if cell is not None and not cell.withheld:
        for metric, text, unit in COUNTS:
            figures.append(OutcomeFigure(prefix + metric, label(text), Decimal(getattr(cell, metric)), unit))
        for attribute, metric, text, unit in DERIVED:
            value = getattr(cell, attribute)
            if value is not None:
                figures.append(
                    OutcomeFigure(prefix + metric, label(text), Decimal(value).quantize(CENT), unit)
                )
    if spent_yen:
        figures.append(
            OutcomeFigure(
                prefix + "spent-yen", label("課題対応に支出した額（戻入を差し引く）"), spent_yen, "円"
            )
        )
    return figures


def _spending(fiscal_year: int, projects) -> list[tuple[int, int, datetime.date, int]]:
    """(fund project, category, paid on, signed yen) of every expenditure of the year's funds: one query."""
    rows = (
        Expenditure.objects.filter(request__category__fund__in=projects)
        .order_by()
        .only("kind", "amount_yen", "paid_on", "request__category_id", "request__category__fund_id")
        .select_related("request__category")
    )
    return [
        (row.request.category.fund_id, row.request.category_id, row.paid_on, row.signed_yen) for row in rows
    ]


def post_request_outcomes(
    *, actor, fiscal_year: int, month: datetime.date | None = None, ward=None
) -> list[RequestsPosting]:
    """Post each fund project's request figures for the fiscal year and its months (or one month);
    all or nothing. Scoped by the ledger: a fund of a ward the actor may not change refuses the run."""
    from machi.ledger.actions import post_outcomes
    from machi.ledger.models import Outcome, Project

    periods = fiscal_periods(fiscal_year, month)
    projects = Project.objects.filter(programme__fiscal_year=fiscal_year)
    if ward is not None:
        projects = projects.filter(programme__ward=ward)
    funds = projects.filter(
        pk__in=Category.objects.filter(fund__isnull=False).values("fund")
    ) | projects.filter(pk__in=Outcome.objects.filter(source=SOURCE).values("project"))
    funds = list(
        funds.distinct().select_related("programme__ward").order_by("programme__ward__code", "no", "pk")
    )
    fund_ids = {project.pk for project in funds}
    cells = [
        cell
        for cell in statistics(fiscal_year=fiscal_year, ward=ward, month=month, public_only=False)
        if cell.fund_id in fund_ids
    ]
    by_fund = totals(cells, key=lambda cell: (cell.fund_id, cell.month))
    categories = {
        pk: (name, public)
        for pk, name, public in Category.objects.filter(fund__in=fund_ids).values_list("pk", "name", "public")
    }
    spending = _spending(fiscal_year, fund_ids)
    postings = []
    with transaction.atomic():
        for project in funds:
            for start, end in periods:
                whole_year = end - start > datetime.timedelta(days=31)
                key_month = None if whole_year else start
                spent: dict[int, int] = defaultdict(int)
                for fund_id, category_id, paid_on, yen in spending:
                    if fund_id == project.pk and start <= paid_on <= end:
                        spent[category_id] += yen
                total = by_fund.get((project.pk, key_month))
                figures = _figures(total, sum(spent.values()))
                parts = {
                    cell.category_id: cell
                    for cell in cells
                    if cell.fund_id == project.pk and cell.month == key_month and cell.category_public
                }
                for category_id in sorted(set(parts) | set(spent)):
                    name, public = categories[category_id]
                    if public:
                        figures += _figures(
                            parts.get(category_id),
                            spent.get(category_id),
                            prefix=f"category-{category_id}__",
                            name=name,
                        )
                posted = post_outcomes(
                    actor=actor,
                    project=project,
                    source=SOURCE,
                    period_start=start,
                    period_end=end,
                    figures=figures,
                )
                if figures or posted.withdrawn:
                    postings.append(
                        RequestsPosting(
                            project=project,
                            start=start,
                            end=end,
                            total=total,
                            spent_yen=sum(spent.values()),
                            figures=figures,
                            withdrawn=posted.withdrawn,
                        )
                    )
    return postings
