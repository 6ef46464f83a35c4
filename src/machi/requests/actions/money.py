"""Money spent answering a request (課題対応経費): expenditures from the category's fund and refunds (戻入).

The fund is the category's ledger project (`Category.fund`), a project of the request's ward. Each
payment posts to the fund's 決算額 through the ledger's one way of spending (`post_spending`): the
project's row locked, its money left checked, the move kept in the project's history. The public reads
「課題対応 令和4年度 中央区 第123号 需用費」 there (the request and the 節, never the payee, often a
person or a small shop); staff read the payee, the 支出命令番号 and the amount.

A refund (戻入) takes (part of) a payment back: a reversing change of 決算額, shown as △ in the
history; it can never take back more than what is left of that payment after earlier refunds.

A payment beyond the fund's money left (2月補正後, else 当初予算, minus 決算額, minus what services
have decided and not paid) is refused unless staff state why (流用); the reason is kept on the
expenditure and in the ledger (`BudgetShortfall`), and `machi ledger check` lists the fund.

Staff of the request's ward only (or a city administrator, or the command line); audited in the ward.
"""

import datetime

from django.db import transaction
from django.db.models import Sum
from django.utils import translation
from django.utils.translation import gettext as _

from machi.accounts.actors import actor_user
from machi.accounts.scope import require_ward
from machi.audit.actions import record
from machi.core.errors import Conflict, Refused
from machi.core.fiscal import fiscal_year_bounds, wareki
from machi.core.money import MAX_YEN, AmountError, parse_amount
from machi.core.text import clean_display, normalize
from machi.ledger.models import ExpenseSection
from machi.requests.models import Expenditure, Request

Status = Request.Status
# Requests money may be spent on: open ones and 対応済 (the work is paid after it is done). Not a
# request that was withdrawn, declined, referred to someone else, or is a duplicate of another.
PAYABLE = (*Request.OPEN, Status.RESOLVED)
PAYEE_MAX = 200
NOTE_MAX = 200
ORDER_NUMBER_MAX = 40


class ExpenditureRefused(Refused):
    """An expenditure or refund refused for its input or the fund's rules (400)."""

    default_code = "requests.expenditure"


def record_expenditure(
    *,
    actor,
    request: Request,
    section: str,
    payee: str,
    paid_on: datetime.date,
    amount_yen: int,
    order_number: str = "",
    note: str = "",
    overdraw_reason: str = "",
) -> Expenditure:
    """Record what the category's fund paid to answer the request and add it to the fund's 決算額."""
    require_ward(actor, request.ward, _("課題対応の支出"))
    section = _section(section)
    payee = _payee(payee)
    amount_yen = _amount(amount_yen)
    paid_on = _date(paid_on)
    order_number, note = _order_number(order_number), _note(note)
    overdraw_reason = clean_display(overdraw_reason or "")
    with transaction.atomic():
        request = (
            Request.objects.select_for_update(of=("self",))
            .select_related("ward", "category__fund__programme")
            .get(pk=request.pk)
        )
        if request.status not in PAYABLE:
            raise Conflict(
                _("「%(status)s」の課題には支出を記録できません（受付中・対応中・対応済の課題だけ）")
                % {"status": Status(request.status).label},
                code="requests.expenditure_status",
            )
        fund = _fund(request)
        _within_fund_year(fund, paid_on)
        label = _public_label(request, section)
        # Kept in the ledger's history as written (for staff), in Japanese like the public label.
        staff_reason = f"{label}: {payee} 支出命令番号 {order_number or '―'} {amount_yen:,}円" + (
            f"（{note}）" if note else ""
        )
        change = _post(actor, fund, amount_yen, staff_reason, label, overdraw_reason)
        expenditure = Expenditure.objects.create(
            request=request,
            kind=Expenditure.Kind.PAYMENT,
            section=section,
            payee=payee,
            paid_on=paid_on,
            amount_yen=amount_yen,
            order_number=order_number,
            note=note,
            overdraw_reason=overdraw_reason if _overdrawn(change) else "",
            figure_change=change,
            recorded_by=actor_user(actor),
        )
        record(
            actor=actor,
            action="requests.record_expenditure",
            obj=expenditure,
            before=None,
            after=_snapshot(expenditure),
            ward=request.ward_id,
        )
    return expenditure


def refund_expenditure(
    *,
    actor,
    expenditure: Expenditure,
    amount_yen: int,
    paid_on: datetime.date,
    order_number: str = "",
    note: str = "",
) -> Expenditure:
    """A refund (戻入) of (part of) a payment: its amount taken off the fund's 決算額 (shown as △)."""
    amount_yen = _amount(amount_yen)
    paid_on = _date(paid_on)
    order_number, note = _order_number(order_number), _note(note)
    with transaction.atomic():
        payment = (
            Expenditure.objects.select_for_update(of=("self",))
            .select_related("request__ward", "request__category__fund__programme")
            .get(pk=expenditure.pk)
        )
        request = payment.request
        require_ward(actor, request.ward, _("課題対応の支出"))
        if payment.kind != Expenditure.Kind.PAYMENT:
            raise ExpenditureRefused(
                _("戻入は支出に対して記録してください（戻入の戻入はできません）"),
                code="requests.refund_of_refund",
            )
        left = payment.amount_yen - refunded_yen(payment)
        if amount_yen > left:
            raise ExpenditureRefused(
                _("この支出から戻入できるのは残りの%(left)s円までです（%(amount)s円は多すぎます）")
                % {"left": f"{left:,}", "amount": f"{amount_yen:,}"},
                code="requests.refund_too_much",
            )
        if paid_on < payment.paid_on:
            raise ExpenditureRefused(
                _("戻入の日（%(day)s）が支出の日（%(paid)s）より前です")
                % {"day": paid_on.isoformat(), "paid": payment.paid_on.isoformat()},
                code="requests.expenditure_date",
            )
        fund = payment.figure_change.project if payment.figure_change_id else _fund(request)
        _within_fund_year(fund, paid_on)
        label = _public_label(request, payment.section, refund=True)
        staff_reason = f"{label}: {payment.payee} 支出命令番号 {order_number or '―'} △{amount_yen:,}円" + (
            f"（{note}）" if note else ""
        )
        change = _post(actor, fund, -amount_yen, staff_reason, label, "")
        refund = Expenditure.objects.create(
            request=request,
            kind=Expenditure.Kind.REFUND,
            section=payment.section,
            payee=payment.payee,
            paid_on=paid_on,
            amount_yen=amount_yen,
            order_number=order_number,
            note=note,
            refund_of=payment,
            figure_change=change,
            recorded_by=actor_user(actor),
        )
        record(
            actor=actor,
            action="requests.refund_expenditure",
            obj=refund,
            before=None,
            after=_snapshot(refund),
            ward=request.ward_id,
        )
    return refund


def refunded_yen(payment: Expenditure) -> int:
    """What refunds have taken back of a payment so far."""
    return (
        Expenditure.objects.filter(refund_of=payment, kind=Expenditure.Kind.REFUND).aggregate(
            total=Sum("amount_yen")
        )["total"]
        or 0
    )


# --- Plumbing --------------------------------------------------------------------------------


def _section(section) -> str:
    value = normalize(str(section or ""))
    if value not in ExpenseSection.values:
        # A 節 may be given by its name too (需用費), as people write it.
        by_label = {normalize(str(label)): key for key, label in ExpenseSection.choices}
        with translation.override("ja"):
            by_label |= {normalize(str(label)): key for key, label in ExpenseSection.choices}
        value = by_label.get(value, "")
    if not value:
        raise ExpenditureRefused(
            _("節を選んでください（%(choices)s）")
            % {"choices": "、".join(str(label) for label in ExpenseSection.labels)},
            code="requests.expenditure_section",
        )
    return value


def _payee(payee) -> str:
    payee = clean_display(payee if isinstance(payee, str) else "")
    if not normalize(payee):
        raise ExpenditureRefused(_("支払先を入力してください"), code="requests.expenditure_payee")
    if len(payee) > PAYEE_MAX:
        raise ExpenditureRefused(
            _("支払先は%(max)s文字以内で入力してください") % {"max": PAYEE_MAX},
            code="requests.expenditure_payee",
        )
    return payee


def _amount(amount) -> int:
    """Integer yen, 1 … MAX_YEN. Text as people type it is read too (1,000, １０００, 1000円)."""
    refusal = ExpenditureRefused(
        _("金額は1円以上の整数（円）で入力してください（%(max)s円まで）") % {"max": f"{MAX_YEN:,}"},
        code="requests.expenditure_amount",
    )
    if isinstance(amount, bool) or not isinstance(amount, int | str):
        raise refusal
    if isinstance(amount, str):
        try:
            amount = parse_amount(amount, unit=1)
        except AmountError:
            raise refusal from None
    if amount is None or not 1 <= amount <= MAX_YEN:
        raise refusal
    return amount


def _date(day) -> datetime.date:
    if isinstance(day, str):
        try:
            day = datetime.date.fromisoformat(normalize(day).strip())
        except ValueError:
            day = None
    if not isinstance(day, datetime.date) or isinstance(day, datetime.datetime):
        raise ExpenditureRefused(
            _("支払日を正しい日付（例: 2022-06-01）で入力してください"), code="requests.expenditure_date"
        )
    return day


def _order_number(text) -> str:
    value = normalize(text if isinstance(text, str) else "").strip()
    if len(value) > ORDER_NUMBER_MAX:
        raise ExpenditureRefused(
            _("支出命令番号は%(max)s文字以内で入力してください") % {"max": ORDER_NUMBER_MAX},
            code="requests.expenditure_order_number",
        )
    return value


def _note(text) -> str:
    value = clean_display(text if isinstance(text, str) else "")
    if len(value) > NOTE_MAX:
        raise ExpenditureRefused(
            _("摘要は%(max)s文字以内で入力してください") % {"max": NOTE_MAX}, code="requests.expenditure_note"
        )
    return value


def _fund(request: Request):
    fund = request.category.fund
    if fund is None:
        raise ExpenditureRefused(
            _(
                "課題の種類「%(category)s」には支払う事業（課題対応経費）が設定されていないため、支出を記録できません"
            )
            % {"category": request.category.name},
            code="requests.no_fund",
        )
    if fund.programme.ward_id != request.ward_id:
        raise ExpenditureRefused(
            _("事業「%(project)s」は%(ward)sの事業ではないため、この課題の支出には使えません")
            % {"project": fund.name, "ward": request.ward.name},
            code="requests.fund_of_another_ward",
        )
    return fund


def _within_fund_year(fund, day: datetime.date) -> None:
    """A payment of the fund's fiscal year: April 1 to March 31, or its 出納整理期間 (to May 31 after)."""
    year = fund.programme.fiscal_year
    first, last = fiscal_year_bounds(year)
    closing = datetime.date(last.year, 5, 31)
    if not first <= day <= closing:
        raise ExpenditureRefused(
            _(
                "支払日 %(day)s は事業「%(project)s」の年度（%(year)s: %(first)s〜%(last)s、"
                "出納整理期間は%(closing)sまで）の外です"
            )
            % {
                "day": day.isoformat(),
                "project": fund.name,
                "year": wareki(year),
                "first": first.isoformat(),
                "last": last.isoformat(),
                "closing": closing.isoformat(),
            },
            code="requests.expenditure_year",
        )


def _public_label(request: Request, section: str, *, refund: bool = False) -> str:
    """What the public reads in the fund's history: 「課題対応 令和4年度 中央区 第123号 需用費」 (never the payee)."""
    with translation.override("ja"):
        label = f"課題対応 {request.label} {ExpenseSection(section).label}"
        return f"{label} 戻入" if refund else label


def _post(actor, fund, delta_yen: int, reason: str, public_reason: str, overdraw_reason: str):
    from machi.ledger.actions import post_spending

    return post_spending(
        fund,
        actor=actor,
        delta_yen=delta_yen,
        reason=reason,
        public_reason=public_reason,
        overdraw_reason=overdraw_reason,
        refusal=ExpenditureRefused,
        code="requests.expenditure",
    )


def _overdrawn(change) -> bool:
    """Whether the payment just posted took the fund beyond its money left (its reason is then kept)."""
    from machi.ledger.queries import money_left

    return money_left(change.project).overdrawn


def _snapshot(expenditure: Expenditure) -> dict:
    return {
        "request": expenditure.request_id,
        "kind": expenditure.kind,
        "section": expenditure.section,
        "payee": expenditure.payee,
        "paid_on": expenditure.paid_on.isoformat(),
        "amount_yen": expenditure.amount_yen,
        "order_number": expenditure.order_number,
        "note": expenditure.note,
        "refund_of": expenditure.refund_of_id,
        "overdraw_reason": expenditure.overdraw_reason,
        "figure_change": expenditure.figure_change_id,
    }
