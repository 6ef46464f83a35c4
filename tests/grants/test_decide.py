"""交付決定: staff decide an amount up to the computed grant, and the decided total stays within the envelope."""

import pytest
from django.core import mail
from tests.grants.conftest import set_envelope

from machi.audit.models import AuditEntry
from machi.grants import actions
from machi.grants.models import Application
from machi.grants.queries import envelope_left_yen


def test_a_decision_records_the_amount_the_computed_grant_the_cap_and_conditions(
    submitted, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.decide(actor=staff, application=submitted, amount_yen=150_000, conditions="写真を添えること")
    submitted.refresh_from_db()
    assert submitted.status == "decided"
    assert (submitted.decided_yen, submitted.computed_yen, submitted.cap_yen) == (150_000, 200_000, 200_000)
    assert (submitted.decided_by, submitted.conditions) == (staff, "写真を添えること")
    assert "150,000 円" in mail.outbox[-1].body and "写真を添えること" in mail.outbox[-1].body
    entry = AuditEntry.objects.for_object(submitted).get(action="grants.decided")
    assert (entry.before["decided_yen"], entry.after["decided_yen"], entry.ward.name) == (
        None,
        150_000,
        "西区",
    )


def test_it_refuses_more_than_the_computed_grant(submitted, staff):
    with pytest.raises(
        actions.GrantRefused, match=r"交付決定額（200,001円）が算定額（200,000円）を超えています"
    ):
        actions.decide(actor=staff, application=submitted, amount_yen=200_001)
    submitted.refresh_from_db()
    assert (submitted.status, submitted.decided_yen) == ("submitted", None)
    assert not AuditEntry.objects.filter(action="grants.decided").exists()


@pytest.mark.parametrize("bad", [0, -1, 1.0, "1000", True])
def test_it_refuses_an_amount_that_is_not_positive_whole_yen(submitted, staff, bad):
    with pytest.raises(actions.GrantRefused):
        actions.decide(actor=staff, application=submitted, amount_yen=bad)
    assert Application.objects.get().status == "submitted"


def test_the_decided_total_never_exceeds_the_envelope(programme, model_track, staff, make_submitted):
    # 西区 No.2: 2月補正後 1,282千円. Three model projects of 400,000 yen fit; a fourth does not.
    applications = [make_submitted(model_track, 600_000, title=f"モデル事業{n}") for n in range(4)]
    for application in applications[:3]:
        actions.decide(actor=staff, application=application, amount_yen=400_000)
    assert envelope_left_yen(programme) == 82_000

    with pytest.raises(
        actions.EnvelopeExceeded,
        match="予算の残りは82,000円です（予算 1,282,000円 − 決算 0円 − 決定済みで未払い 1,200,000円 = 残り 82,000円）。400,000円は交付決定できません",
    ):
        actions.decide(actor=staff, application=applications[3], amount_yen=400_000)

    actions.decide(actor=staff, application=applications[3], amount_yen=82_000)
    assert envelope_left_yen(programme) == 0


def test_a_withdrawn_decision_frees_its_share_of_the_envelope(
    programme, model_track, staff, applicant, make_submitted
):
    set_envelope(programme, 500_000)
    first, second = (
        make_submitted(model_track, 600_000, "一つ目"),
        make_submitted(model_track, 600_000, "二つ目"),
    )
    actions.decide(actor=staff, application=first, amount_yen=400_000)
    with pytest.raises(actions.EnvelopeExceeded):
        actions.decide(actor=staff, application=second, amount_yen=400_000)

    actions.withdraw(actor=applicant, application=first, reason="中止")

    actions.decide(actor=staff, application=second, amount_yen=400_000)
    assert envelope_left_yen(programme) == 100_000


def test_without_a_revised_budget_the_initial_one_is_the_envelope(programme):
    from machi.ledger.models import Project

    Project.objects.filter(pk=programme.project_id).update(revised_yen=None)
    programme.refresh_from_db()
    assert programme.envelope_yen == 2_000_000  # 当初予算 2,000千円
