"""実績報告 and 額の確定: the confirmed amount is the smaller of the decision and the grant on actual expenses."""

import pytest

from machi.accounts.actions import NotAllowed
from machi.grants import actions
from machi.grants.queries import expenses_yen


def test_the_group_reports_its_actual_expenses(reported):
    assert reported.status == "reported"
    assert expenses_yen(reported, "actual") == (550_000, 510_000)
    assert expenses_yen(reported, "planned") == (630_000, 600_000)  # the plan is kept beside it


def test_a_report_needs_at_least_one_line(decided, applicant):
    with pytest.raises(actions.GrantRefused, match="実績の経費を1件以上"):
        actions.report_results(actor=applicant, application=decided, expenses=[])
    decided.refresh_from_db()
    assert decided.status == "decided"


def test_only_a_decided_application_can_be_reported(submitted, applicant, lines):
    with pytest.raises(actions.GrantRefused, match="「申請済み」のため"):
        actions.report_results(actor=applicant, application=submitted, expenses=lines(("謝礼金", 1)))
    assert not submitted.expenses.filter(phase="actual").exists()


def test_staff_cannot_report_for_the_group(decided, staff, lines):
    with pytest.raises(NotAllowed):
        actions.report_results(actor=staff, application=decided, expenses=lines(("謝礼金", 1)))


def test_spending_less_lowers_the_confirmed_amount(confirmed):
    # Actual eligible 510,000 yen → 170,000 yen, below the decided 200,000 yen.
    assert (confirmed.status, confirmed.decided_yen, confirmed.confirmed_yen) == (
        "confirmed",
        200_000,
        170_000,
    )
    assert confirmed.events.last().note == (
        "実績の補助対象経費 510,000円、算定額 170,000円、交付決定額 200,000円 → 確定額 170,000円"
    )


def test_spending_more_never_raises_it_above_the_decision(submitted, staff, applicant, lines):
    actions.decide(actor=staff, application=submitted, amount_yen=150_000)
    actions.report_results(actor=applicant, application=submitted, expenses=lines(("謝礼金", 900_000)))
    confirmed = actions.confirm_amount(actor=staff, application=submitted)
    assert confirmed.confirmed_yen == 150_000


def test_ineligible_actual_expenses_do_not_count(decided, staff, applicant, lines):
    actions.report_results(
        actor=applicant, application=decided, expenses=lines(("飲食費", 900_000), ("謝礼金", 3_000))
    )
    confirmed = actions.confirm_amount(actor=staff, application=decided)
    assert confirmed.confirmed_yen == 1_000


def test_only_staff_of_the_ward_confirm(reported, other_staff, applicant):
    for actor in (other_staff, applicant):
        with pytest.raises(NotAllowed):
            actions.confirm_amount(actor=actor, application=reported)
    reported.refresh_from_db()
    assert (reported.status, reported.confirmed_yen) == ("reported", None)


def test_a_reported_application_cannot_be_withdrawn(reported, applicant):
    with pytest.raises(actions.GrantRefused, match="「実績報告済み」のため"):
        actions.withdraw(actor=applicant, application=reported)
