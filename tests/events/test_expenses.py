"""An event's expenses post to its project's 決算額 through the ledger's figure change, and are taken back
by a reversing change, never deleted."""

import datetime

import pytest

from machi.accounts.actors import SYSTEM
from machi.accounts.scope import NotAllowed
from machi.audit.models import AuditEntry
from machi.events import actions
from machi.events.models import EventExpense
from machi.ledger.models import BudgetShortfall, FigureChange
from machi.ledger.queries import public_history

DAY = datetime.date(2026, 11, 3)


@pytest.fixture
def budgeted(project):
    project.initial_yen = 100_000
    project.save()
    return project


def spend(event, actor=SYSTEM, **changes):
    values = {
        "section": EventExpense.Section.REWARDS,
        "payee": "熊本 太郎",
        "paid_on": DAY,
        "amount_yen": 30_000,
        "note": "講師謝礼",
    }
    return actions.record_expense(actor=actor, event=event, **values | changes)


def test_an_expense_adds_to_the_settled_figure_with_history_naming_the_event_not_the_payee(
    budgeted, make_event, staff
):
    event = make_event(title="防災講座 2026")
    expense = spend(event, actor=staff)

    budgeted.refresh_from_db()
    assert budgeted.settled_yen == 30_000
    change = FigureChange.objects.get(pk=expense.figure_change_id)
    assert (change.stage, change.old_yen, change.new_yen) == ("settled", None, 30_000)
    assert "熊本 太郎" in change.reason  # staff see the payee
    public = public_history(budgeted)
    assert [c.reason for c in public] == ["催しの支出（「防災講座 2026」 報償費）"]
    assert all("熊本" not in c.reason for c in public)
    entry = AuditEntry.objects.get(action="events.record_expense")
    assert entry.ward_id == event.ward_id and entry.after["amount_yen"] == 30_000


def test_two_expenses_add_up_and_withdrawing_one_posts_a_reversing_change(budgeted, make_event, staff):
    event = make_event()
    first = spend(event, actor=staff)
    spend(event, actor=staff, section=EventExpense.Section.SUPPLIES, payee="文具店", amount_yen=4_500)

    withdrawn = actions.withdraw_expense(actor=staff, expense=first, reason="二重に記録した")

    budgeted.refresh_from_db()
    assert budgeted.settled_yen == 4_500
    assert EventExpense.objects.count() == 2  # kept, not deleted
    assert withdrawn.withdrawn_at is not None
    reversal = FigureChange.objects.get(pk=withdrawn.withdrawal_change_id)
    assert (reversal.old_yen, reversal.new_yen) == (34_500, 4_500)
    assert public_history(budgeted)[-1].reason == "催しの支出（「防災講座」 報償費）の取消"
    with pytest.raises(actions.EventConflict):
        actions.withdraw_expense(actor=staff, expense=first, reason="もう一度")


def test_a_correction_withdraws_the_old_and_records_the_new_in_one_step(budgeted, make_event, staff):
    event = make_event()
    wrong = spend(event, actor=staff, amount_yen=30_000)

    right = actions.correct_expense(
        actor=staff,
        expense=wrong,
        reason="金額の誤り",
        section=EventExpense.Section.REWARDS,
        payee="熊本 太郎",
        paid_on=DAY,
        amount_yen=20_000,
    )

    budgeted.refresh_from_db()
    assert budgeted.settled_yen == 20_000
    wrong.refresh_from_db()
    assert wrong.corrected_by == right and wrong.withdrawal_reason == "訂正: 金額の誤り"
    assert [c.new_yen for c in FigureChange.objects.for_project(budgeted)] == [30_000, 0, 20_000]


def test_an_expense_beyond_money_left_is_refused_unless_staff_say_why(budgeted, make_event, staff):
    event = make_event()
    spend(event, actor=staff, amount_yen=90_000)

    with pytest.raises(actions.EventRefused, match="予算の残りは10,000円"):
        spend(event, actor=staff, amount_yen=15_000)
    budgeted.refresh_from_db()
    assert budgeted.settled_yen == 90_000

    spend(event, actor=staff, amount_yen=15_000, overdraw_reason="講師の交通費が増えたため")
    budgeted.refresh_from_db()
    assert budgeted.settled_yen == 105_000
    assert BudgetShortfall.objects.get(project=budgeted).reason == "講師の交通費が増えたため"


def test_ledger_check_lists_a_project_an_event_overdrew_with_its_reason(budgeted, make_event, staff):
    """An event's expense posts straight to 決算額 (no commitment a service's hook names): the stated
    reason is what tells the ledger's check a service spent beyond the money left."""
    from machi.ledger.queries import ledger_check

    spend(make_event(), actor=staff, amount_yen=120_000, overdraw_reason="講師の交通費が増えたため")

    [finding] = [f for f in ledger_check(2026, with_reasons=True)["中央区"] if f.kind == "overdrawn"]
    assert "防災意識の向上事業" in finding.message and "講師の交通費が増えたため" in finding.message


def test_a_project_without_a_budget_takes_no_expense(project, make_event):
    with pytest.raises(actions.EventRefused, match="予算が計上されていない"):
        spend(make_event())
    assert not EventExpense.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount_yen": 0}, "1円以上"),
        ({"amount_yen": -5}, "1円以上"),
        ({"payee": "  "}, "支払先"),
        ({"section": "travel"}, "節"),
        ({"paid_on": None}, "支払日"),
    ],
)
def test_bad_input_writes_nothing(budgeted, make_event, changes, message):
    event = make_event()
    with pytest.raises(actions.EventRefused, match=message):
        spend(event, **changes)
    assert not EventExpense.objects.exists()
    assert not FigureChange.objects.filter(stage="settled").exists()


def test_staff_of_another_ward_may_not(budgeted, make_event, ward_staff, higashi):
    event = make_event()
    with pytest.raises(NotAllowed):
        spend(event, actor=ward_staff("higashi-staff", higashi))
    assert not EventExpense.objects.exists()


def test_a_withdrawal_never_takes_the_settled_figure_below_zero(budgeted, make_event, staff):
    from machi.core.errors import Refused
    from machi.ledger.actions import set_figures

    expense = spend(make_event(), actor=staff, amount_yen=30_000)
    set_figures(budgeted, actor=staff, reason="決算の訂正", settled_yen=10_000)

    with pytest.raises(Refused, match="決算額（10,000円）から30,000円は差し引けません"):
        actions.withdraw_expense(actor=staff, expense=expense, reason="誤り")
    expense.refresh_from_db()
    budgeted.refresh_from_db()
    assert expense.withdrawn_at is None and budgeted.settled_yen == 10_000
