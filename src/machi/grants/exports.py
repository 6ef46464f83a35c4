"""The grants as XLSX for the ward office: the application list and the payments of a programme or a ward-year.

In the one XLSX style the ledger's and the reports' sheets share (`machi.core.xlsx`): a
title row, the unit, Japanese headers, amounts as numbers in 円 with `#,##0;"△"#,##0`,
dates as dates, a total row.
Values, never formulas; a text that a spreadsheet would run as a formula is stored as
text. The totals are the database's: the column sums, and the money left as the ledger derives it
(`machi.ledger.queries.money_left`: budget − 決算額 − decided and unpaid), the figure every page shows.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from machi.core import xlsx
from machi.core.fiscal import wareki
from machi.core.money import NONE_DISPLAY
from machi.core.xlsx import COUNT_FORMAT, DATE_FORMAT, NUMBER_FORMAT, XLSX_TYPE
from machi.grants.models import Application, ExpenseLine, GrantProgramme, Payment, Repayment
from machi.grants.rules import compute_grant
from machi.ledger.queries import stored_money_left

__all__ = ["DATE_FORMAT", "XLSX_TYPE", "applications_xlsx", "payments_xlsx", "programmes_of"]


def programmes_of(fiscal_year: int, ward: str | None = None):
    """A year's programmes, of one ward (its name or code) or of every ward, in ward-code order."""
    chosen = GrantProgramme.objects.for_year(fiscal_year).select_related("ward", "project")
    if ward:
        chosen = chosen.filter(Q(ward__name=ward) | Q(ward__code=ward))
    return chosen.order_by("ward__code", "id")


def title_of(programmes: list[GrantProgramme], what: str) -> str:
    """令和4年度 西区 地域コミュニティづくり支援補助金 申請一覧: the programmes' years, wards and name."""
    years = sorted({p.fiscal_year for p in programmes})
    wards = list(dict.fromkeys(p.ward.name for p in programmes))
    names = list(dict.fromkeys(p.name for p in programmes))
    return " ".join(
        [
            "・".join(wareki(y) for y in years),
            "・".join(wards),
            names[0] if len(names) == 1 else "補助金",
            what,
        ]
    )


@dataclass(frozen=True)
class Column:
    label: str
    width: int
    kind: str = "text"  # text, yen, date, count


class _Sheet:
    """One sheet written top to bottom in the one XLSX style: title, unit, header, rows."""

    def __init__(self, workbook, name: str, title: str, columns: list[Column]):
        self.sheet = workbook.create_sheet(name)
        self.columns = columns
        self.row = xlsx.start_table(
            self.sheet, title=title, unit="（単位：円）", columns=[(c.label, c.width) for c in columns]
        )

    def add(self, values: list, *, total: bool = False) -> None:
        for index, (column, value) in enumerate(zip(self.columns, values, strict=True), start=1):
            cell = self.sheet.cell(self.row, index)
            if column.kind == "text" or isinstance(value, str):
                xlsx.text(cell, value)
            elif column.kind == "date":
                xlsx.date(cell, value)
            else:
                xlsx.number(
                    cell,
                    value,
                    COUNT_FORMAT if column.kind == "count" else NUMBER_FORMAT,
                    none=NONE_DISPLAY if column.kind == "yen" else None,
                )
            cell.border = xlsx.BOX
            if total:
                xlsx.emphasise(cell, "total")
        self.row += 1

    def note(self, label: str, yen: int | None, *, label_column: int, value_column: int) -> None:
        """A line under the table: a label and an amount (the envelope, what it has left)."""
        self.sheet.cell(self.row, label_column, label).alignment = xlsx.RIGHT
        cell = self.sheet.cell(self.row, value_column, NONE_DISPLAY if yen is None else yen)
        if yen is not None:
            cell.number_format = NUMBER_FORMAT
        self.row += 1


def _date(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment is not None else None


def _workbook():
    return xlsx.new_workbook()


# ---------------------------------------------------------------- the application list


def _eligible(phase: str):
    lines = ExpenseLine.objects.filter(application=OuterRef("pk"), phase=phase, category__eligible=True)
    return Coalesce(Subquery(lines.values("application").annotate(s=Sum("amount_yen")).values("s")), 0)


def _repaid():
    repayments = Repayment.objects.filter(application=OuterRef("pk"))
    return Coalesce(Subquery(repayments.values("application").annotate(s=Sum("amount_yen")).values("s")), 0)


def listed_applications(programmes: list[GrantProgramme]):
    """Every application but the drafts (still the group's own), oldest first, with its sums in one query."""
    return (
        Application.objects.filter(programme__in=programmes)
        .exclude(status=Application.Status.DRAFT)
        .select_related("programme__ward", "track", "group", "payment")
        .annotate(
            planned_eligible_yen=_eligible(ExpenseLine.Phase.PLANNED),
            actual_eligible_yen=_eligible(ExpenseLine.Phase.ACTUAL),
            repaid_yen=_repaid(),
        )
        .order_by("programme__ward__code", "programme_id", "id")
    )


APPLICATION_COLUMNS = [
    Column("申請番号", 13),
    Column("団体", 24),
    Column("区分", 18),
    Column("事業名", 30),
    Column("状態", 11),
    Column("補助対象経費（計画）", 13, "yen"),
    Column("算定額", 11, "yen"),
    Column("交付決定額", 11, "yen"),
    Column("補助対象経費（実績）", 13, "yen"),
    Column("確定額", 11, "yen"),
    Column("支払額", 11, "yen"),
    Column("返還額", 11, "yen"),
    Column("申請日", 11, "date"),
    Column("交付決定日", 11, "date"),
    Column("確定日", 11, "date"),
    Column("支払日", 11, "date"),
]
_MONEY = [index for index, column in enumerate(APPLICATION_COLUMNS) if column.kind == "yen"]


def _application_row(application: Application) -> list:
    payment = getattr(application, "payment", None)
    # The grant the rule gave at the decision, else what it gives on the planned expenses now.
    computed = (
        application.computed_yen
        if application.computed_yen is not None
        else compute_grant(application.track, application.planned_eligible_yen)
    )
    reported = application.reported_at is not None
    return [
        application.number,
        application.group.name,
        application.track.name,
        application.title,
        application.get_status_display(),
        application.planned_eligible_yen,
        computed,
        application.decided_yen,
        application.actual_eligible_yen if reported else None,
        application.confirmed_yen,
        payment.amount_yen if payment else None,
        application.repaid_yen or None,
        _date(application.submitted_at),
        _date(application.decided_at),
        _date(application.confirmed_at),
        _date(payment.paid_at) if payment else None,
    ]


def applications_xlsx(programmes, stream) -> int:
    """The application list of these programmes (one, or a ward-year's); returns how many are listed."""
    programmes = list(programmes)
    # Several wards in one list: each row says whose it is.
    wards = len({programme.ward_id for programme in programmes}) > 1
    columns = [Column("区", 8), *APPLICATION_COLUMNS] if wards else APPLICATION_COLUMNS
    workbook = _workbook()
    sheet = _Sheet(workbook, "申請一覧", title_of(programmes, "申請一覧"), columns)
    applications = list(listed_applications(programmes))
    rows = [_application_row(application) for application in applications]
    totals: list = [None] * len(APPLICATION_COLUMNS)
    totals[0], totals[4] = "合計", f"{len(rows)}件"
    for index in _MONEY:
        totals[index] = sum(row[index] or 0 for row in rows)
    if wards:
        rows = [[a.programme.ward.name, *row] for a, row in zip(applications, rows, strict=True)]
        totals = ["合計", None, *totals[1:]]
    for row in rows:
        sheet.add(row)
    sheet.add(totals, total=True)

    # What the envelope holds, per programme: the same sums `actions.decide` checks against.
    sheet.row += 1
    offset = 1 if wards else 0
    label_column, value_column = 4 + offset, _MONEY[2] + 1 + offset
    lefts = stored_money_left(programme.project_id for programme in programmes)
    for programme in programmes:
        money = lefts[programme.project_id]
        prefix = f"{programme.ward.name} {programme.name}：" if len(programmes) > 1 else ""
        for label, value in (
            ("予算額（補正後、補正前は当初）", money.budget_yen),
            ("事業の決算額（支払済みの補助金を含む。返還は差し引き済み）", money.settled_yen),
            ("交付決定済みで未払い（確定後は確定額。取下げ・不交付を除く）", money.unsettled_yen),
        ):
            sheet.note(f"{prefix}{label}", value, label_column=label_column, value_column=value_column)
        left = money.left_yen
        sheet.note(f"{prefix}予算の残額", left, label_column=label_column, value_column=value_column)
    workbook.save(stream)
    return len(rows)


# ---------------------------------------------------------------- the payments


PAYMENT_COLUMNS = [
    Column("日付", 11, "date"),
    Column("区別", 7),
    Column("申請番号", 13),
    Column("団体", 24),
    Column("事業名", 30),
    Column("金額", 12, "yen"),
    Column("返還の理由", 30),
]


@dataclass(frozen=True)
class MoneyLine:
    at: dt.datetime
    kind: str
    application: Application
    yen: int  # a repayment is negative: money back
    reason: str = ""


def money_lines(programmes: list[GrantProgramme]) -> list[MoneyLine]:
    """Payments (+) and repayments (−) of the programmes, in the order they happened."""
    related = ("application__group", "application__programme")
    payments = Payment.objects.filter(application__programme__in=programmes).select_related(*related)
    repayments = Repayment.objects.filter(application__programme__in=programmes).select_related(*related)
    lines = [MoneyLine(p.paid_at, "支払", p.application, p.amount_yen) for p in payments]
    lines += [MoneyLine(r.recorded_at, "返還", r.application, -r.amount_yen, r.reason) for r in repayments]
    return sorted(lines, key=lambda line: (line.at, line.kind != "支払", line.application.pk))


def payments_xlsx(programmes, stream) -> int:
    """Every payment and repayment, then the totals: paid, repaid, and the net posted to the ledger."""
    programmes = list(programmes)
    workbook = _workbook()
    sheet = _Sheet(workbook, "支払い", title_of(programmes, "補助金の支払い"), PAYMENT_COLUMNS)
    lines = money_lines(programmes)
    for line in lines:
        app = line.application
        sheet.add([_date(line.at), line.kind, app.number, app.group.name, app.title, line.yen, line.reason])
    paid = sum(line.yen for line in lines if line.yen > 0)
    repaid = sum(line.yen for line in lines if line.yen < 0)
    count = sum(1 for line in lines if line.yen > 0)
    sheet.add([None, None, None, None, f"支払額の合計（{count}件）", paid, None], total=True)
    sheet.add([None, None, None, None, "返還額の合計", repaid, None], total=True)
    sheet.add([None, None, None, None, "差引（事業の決算額に計上した額）", paid + repaid, None], total=True)
    workbook.save(stream)
    return len(lines)
