"""An event's expenses by 節, posted to its ledger project's settled figure (決算額).

Every expense moves the project's 決算額 through the ledger's own figure change (`set_figures`), so the
project's history keeps it with who, when and why: staff read the payee and the note in `reason`; the
public reads only 「催しの支出（「<event>」 <節>）」, never the payee (often a person: a lecturer's 報償費).

An expense is never deleted. Withdrawing one posts a reversing change (決算額 goes down by its amount)
and keeps the row, marked withdrawn; correcting one withdraws it and records the new figures in the same
transaction, the old row pointing to the new.

Money left is the ledger's one figure (`machi.ledger.queries.money_left`): an expense beyond what the
project has left is refused unless staff state why (`overdraw_reason`), as a grant decision is; the
ledger then keeps the reason (`state_overdraw`) and `machi ledger check` lists the project.

Only staff of the event's ward (or a city administrator, or the command line) may; each step is
audited in the event's ward.
"""

import datetime

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from machi.accounts.actors import actor_user
from machi.accounts.scope import require_ward
from machi.audit.actions import record
from machi.core.money import MAX_YEN
from machi.core.text import clean_display, normalize
from machi.events.actions.errors import EventConflict, EventRefused
from machi.events.models import Event, EventExpense


def record_expense(
    *,
    actor,
    event: Event,
    section: str,
    payee: str,
    paid_on: datetime.date,
    amount_yen: int,
    note: str = "",
    overdraw_reason: str = "",
) -> EventExpense:
    """Record what the event paid and add it to its project's 決算額, in one transaction."""
    require_ward(actor, event.ward, pgettext("scope", "催しの支出"))
    section, payee, note = _checked(section, payee, paid_on, amount_yen, note)
    with transaction.atomic():
        expense = _record(actor, event, section, payee, paid_on, amount_yen, note, overdraw_reason)
    return expense


def withdraw_expense(*, actor, expense: EventExpense, reason: str) -> EventExpense:
    """Take a recorded expense back: a reversing change of 決算額; the row stays, marked withdrawn."""
    reason = clean_display(reason or "")
    if not normalize(reason):
        raise EventRefused(_("取り消す理由を入力してください"), code="events.expense_reason")
    with transaction.atomic():
        locked = _locked(actor, expense)
        _withdraw(actor, locked, reason)
    return locked


def correct_expense(
    *,
    actor,
    expense: EventExpense,
    reason: str,
    section: str,
    payee: str,
    paid_on: datetime.date,
    amount_yen: int,
    note: str = "",
    overdraw_reason: str = "",
) -> EventExpense:
    """Correct an expense: withdraw it (reversing change) and record the corrected one, all or nothing."""
    reason = clean_display(reason or "")
    if not normalize(reason):
        raise EventRefused(_("訂正の理由を入力してください"), code="events.expense_reason")
    section, payee, note = _checked(section, payee, paid_on, amount_yen, note)
    with transaction.atomic():
        locked = _locked(actor, expense)
        _withdraw(actor, locked, _("訂正: %(reason)s") % {"reason": reason})
        corrected = _record(actor, locked.event, section, payee, paid_on, amount_yen, note, overdraw_reason)
        locked.corrected_by = corrected
        locked.save(update_fields=["corrected_by"])
    return corrected


# --- Plumbing --------------------------------------------------------------------------------


def _checked(section, payee, paid_on, amount_yen, note) -> tuple[str, str, str]:
    if section not in EventExpense.Section.values:
        raise EventRefused(_("節を選んでください"), code="events.expense_section")
    payee = clean_display(payee or "")
    if not normalize(payee):
        raise EventRefused(_("支払先を入力してください"), code="events.expense_payee")
    if len(payee) > 200:
        raise EventRefused(_("支払先は200文字までです"), code="events.expense_payee")
    note = clean_display(note or "")
    if len(note) > 200:
        raise EventRefused(_("摘要は200文字までです"), code="events.expense_note")
    if not isinstance(paid_on, datetime.date) or isinstance(paid_on, datetime.datetime):
        raise EventRefused(_("支払日を入力してください"), code="events.expense_date")
    if not isinstance(amount_yen, int) or isinstance(amount_yen, bool) or not 1 <= amount_yen <= MAX_YEN:
        raise EventRefused(_("金額は1円以上の整数（円）で入力してください"), code="events.expense_amount")
    return section, payee, note


def _locked(actor, expense: EventExpense) -> EventExpense:
    locked = (
        EventExpense.objects.select_for_update(of=("self",))
        .select_related("event__ward", "event__project")
        .get(pk=expense.pk)
    )
    require_ward(actor, locked.event.ward, pgettext("scope", "催しの支出"))
    if locked.withdrawn_at is not None:
        raise EventConflict(_("この支出はすでに取り消されています"), code="events.expense_withdrawn")
    return locked


def _record(actor, event, section, payee, paid_on, amount_yen, note, overdraw_reason) -> EventExpense:
    event = Event.objects.select_related("ward", "project").get(pk=event.pk)
    if event.status in (Event.Status.DRAFT, Event.Status.PENDING_APPROVAL):
        raise EventConflict(
            _("「%(title)s」は%(status)sのため、支出を記録できません")
            % {"title": event.title, "status": event.get_status_display()},
            code="events.expense_status",
        )
    label = _expense_label(event, section)
    staff_reason = f"{label}: {payee} {amount_yen:,}円" + (f"（{note}）" if note else "")
    # The ledger's one way to spend: the project's row locked, its money left checked (beyond it only
    # with a stated reason, kept for `machi ledger check`), the 決算額 moved with its history.
    change = _post(actor, event.project, +amount_yen, staff_reason, label, overdraw_reason)
    expense = EventExpense.objects.create(
        event=event,
        section=section,
        payee=payee,
        paid_on=paid_on,
        amount_yen=amount_yen,
        note=note,
        recorded_by=actor_user(actor),
        figure_change=change,
    )
    record(
        actor=actor,
        action="events.record_expense",
        obj=expense,
        before=None,
        after=_snapshot(expense),
        ward=event.ward_id,
    )
    return expense


def _withdraw(actor, expense: EventExpense, reason: str) -> None:
    before = _snapshot(expense)
    label = _expense_label(expense.event, expense.section)
    staff_reason = f"{label}の取消: {expense.payee} {expense.amount_yen:,}円 理由: {reason}"
    expense.withdrawal_change = _post(
        actor, expense.event.project, -expense.amount_yen, staff_reason, f"{label}の取消"
    )
    expense.withdrawn_at = timezone.now()
    expense.withdrawn_by = actor_user(actor)
    expense.withdrawal_reason = reason[:200]
    expense.save(update_fields=["withdrawal_change", "withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    record(
        actor=actor,
        action="events.withdraw_expense",
        obj=expense,
        before=before,
        after=_snapshot(expense),
        ward=expense.event.ward_id,
    )


def _post(actor, project, delta_yen: int, reason: str, public_reason: str, overdraw_reason: str = ""):
    """Move the project's 決算額 by `delta_yen` through the ledger; the one change it appends."""
    from machi.ledger.actions import post_spending

    return post_spending(
        project,
        actor=actor,
        delta_yen=delta_yen,
        reason=reason,
        public_reason=public_reason,
        overdraw_reason=overdraw_reason,
        refusal=EventRefused,
        code="events.expense",
    )


def _expense_label(event: Event, section: str) -> str:
    """What the public reads in the project's history: the event and the 節, never the payee."""
    with translation.override("ja"):
        return f"催しの支出（「{event.title[:120]}」 {EventExpense.Section(section).label}）"


def _snapshot(expense: EventExpense) -> dict:
    return {
        "event": expense.event_id,
        "section": expense.section,
        "payee": expense.payee,
        "paid_on": expense.paid_on.isoformat(),
        "amount_yen": expense.amount_yen,
        "note": expense.note,
        "figure_change": expense.figure_change_id,
        "withdrawn": expense.withdrawn_at is not None,
        "withdrawal_reason": expense.withdrawal_reason,
    }
