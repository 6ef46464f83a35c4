"""Payment and 返還: once per application, posted to the ledger project's 決算額 with a history naming the grant."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from machi.accounts.actions import NotAllowed
from machi.audit.models import AuditEntry
from machi.grants import actions
from machi.grants.models import Payment, Repayment
from machi.ledger.models import FigureChange, Project

# The grants fixture starts 西区 No.2 at the start of its year: nothing settled yet (―, counted as 0).
NISHI_SETTLED = 0


def settled(application) -> int:
    return Project.objects.get(pk=application.programme.project_id).settled_yen or 0


def test_paying_adds_the_confirmed_amount_to_the_projects_settled_figure(
    confirmed, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        payment = actions.pay(actor=staff, application=confirmed)

    confirmed.refresh_from_db()
    assert confirmed.status == "paid"
    assert (payment.amount_yen, payment.paid_by) == (170_000, staff)
    assert settled(confirmed) == NISHI_SETTLED + 170_000
    change = FigureChange.objects.filter(project_id=confirmed.programme.project_id).last()
    assert (change.stage, change.old_yen, change.new_yen, change.changed_by) == (
        "settled",
        None,
        NISHI_SETTLED + 170_000,
        staff,
    )
    assert (
        change.reason == f"補助金の支払い: 島崎校区自治協議会 防災マップづくり（申請番号 {confirmed.number}）"
    )
    assert change.public_reason == f"補助金の支払い（申請番号 {confirmed.number}）"  # no group, no title
    assert AuditEntry.objects.filter(action="ledger.set_figures", actor=staff).exists()
    assert "170,000 円" in mail.outbox[-1].body


def test_a_project_without_a_settled_figure_starts_from_zero(confirmed, staff):
    Project.objects.filter(pk=confirmed.programme.project_id).update(settled_yen=None)
    actions.pay(actor=staff, application=confirmed)
    assert settled(confirmed) == 170_000


def test_a_second_payment_is_refused_and_the_ledger_moves_once(confirmed, staff):
    actions.pay(actor=staff, application=confirmed)
    with pytest.raises(actions.GrantRefused, match="「支払済み」のため"):
        actions.pay(actor=staff, application=confirmed)
    assert Payment.objects.count() == 1
    assert settled(confirmed) == NISHI_SETTLED + 170_000


def test_the_database_refuses_a_second_payment_row(confirmed, staff):
    payment = actions.pay(actor=staff, application=confirmed)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(application=confirmed, amount_yen=1, paid_at=payment.paid_at)


def test_only_a_confirmed_amount_is_paid(reported, staff):
    with pytest.raises(actions.GrantRefused, match="「実績報告済み」のため"):
        actions.pay(actor=staff, application=reported)
    assert settled(reported) == NISHI_SETTLED
    assert not FigureChange.objects.filter(reason__startswith="補助金").exists()


def test_only_staff_of_the_ward_pay(confirmed, other_staff, applicant):
    for actor in (other_staff, applicant):
        with pytest.raises(NotAllowed):
            actions.pay(actor=actor, application=confirmed)
    assert not Payment.objects.exists()


def test_a_confirmed_amount_of_nothing_is_not_paid(decided, staff, applicant, lines):
    actions.report_results(actor=applicant, application=decided, expenses=lines(("飲食費", 50_000)))
    actions.confirm_amount(actor=staff, application=decided)
    with pytest.raises(actions.GrantRefused, match="確定額が0円"):
        actions.pay(actor=staff, application=decided)
    decided.refresh_from_db()
    assert decided.status == "confirmed"
    assert not Payment.objects.exists()


def test_a_repayment_lowers_the_settled_figure_with_its_reason(confirmed, staff):
    actions.pay(actor=staff, application=confirmed)
    repayment = actions.record_repayment(
        actor=staff, application=confirmed, amount_yen=20_000, reason="領収書のない経費があったため"
    )
    assert repayment.amount_yen == 20_000
    assert settled(confirmed) == NISHI_SETTLED + 150_000
    change = FigureChange.objects.filter(project_id=confirmed.programme.project_id).last()
    assert change.reason.startswith("補助金の返還: 島崎校区自治協議会 防災マップづくり")
    assert change.reason.endswith("理由: 領収書のない経費があったため")
    assert change.public_reason == f"補助金の返還（申請番号 {confirmed.number}）"  # the reason is for staff
    assert confirmed.events.last().note == "返還 20,000円: 領収書のない経費があったため"


def test_repayments_never_exceed_what_was_paid(confirmed, staff):
    actions.pay(actor=staff, application=confirmed)
    actions.record_repayment(actor=staff, application=confirmed, amount_yen=170_000, reason="事業の中止")
    with pytest.raises(
        actions.GrantRefused, match=r"返還額の合計（170,001円）が支払額（170,000円）を超えます"
    ):
        actions.record_repayment(actor=staff, application=confirmed, amount_yen=1, reason="重ねて")
    assert Repayment.objects.count() == 1
    assert settled(confirmed) == NISHI_SETTLED


@pytest.mark.parametrize(("amount", "reason", "message"), [(0, "x", "1円以上"), (1, " ", "返還の理由")])
def test_a_repayment_needs_an_amount_and_a_reason(confirmed, staff, amount, reason, message):
    actions.pay(actor=staff, application=confirmed)
    with pytest.raises(actions.GrantRefused, match=message):
        actions.record_repayment(actor=staff, application=confirmed, amount_yen=amount, reason=reason)
    assert not Repayment.objects.exists()


def test_nothing_is_repaid_before_payment(confirmed, staff):
    with pytest.raises(actions.GrantRefused, match="返還を記録できません"):
        actions.record_repayment(actor=staff, application=confirmed, amount_yen=1, reason="x")
