"""What must never be violated is refused by the database itself, whatever code writes the row."""

import pytest
from django.db import IntegrityError, transaction

from machi.grants.models import (
    AppendOnlyError,
    Application,
    ApplicationEvent,
    ExpenseLine,
    GrantTrack,
    Repayment,
)


def write(application, **changes):
    Application.objects.filter(pk=application.pk).update(**changes)


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "rejected", "rejection_reason": ""},
        {"status": "decided", "decided_yen": None},
        {"decided_yen": 200_001, "computed_yen": 200_000, "cap_yen": 200_000},
        {"decided_yen": 1_000, "computed_yen": 200_001, "cap_yen": 200_000},
        {"status": "confirmed", "confirmed_yen": None},
        {"confirmed_yen": 150_001},
    ],
    ids=[
        "a rejection has a reason",
        "a decision has an amount",
        "decided within the computed grant",
        "computed within the cap",
        "a confirmation has an amount",
        "confirmed within decided",
    ],
)
def test_the_database_refuses_an_application_breaking_a_rule(decided, changes):
    write(decided, decided_yen=150_000)
    with pytest.raises(IntegrityError), transaction.atomic():
        write(decided, **changes)


def test_a_negative_amount_is_refused(draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        ExpenseLine.objects.filter(application=draft).update(amount_yen=-1)


@pytest.mark.parametrize(
    ("numerator", "denominator", "cap"),
    [(0, 3, 1), (4, 3, 1), (1, 3, -1)],
    ids=["no rate", "above 1", "negative cap"],
)
def test_a_track_needs_a_rate_between_0_and_1_and_a_cap(small, numerator, denominator, cap):
    with pytest.raises(IntegrityError), transaction.atomic():
        GrantTrack.objects.filter(pk=small.pk).update(
            rate_numerator=numerator, rate_denominator=denominator, cap_yen=cap
        )


def test_a_repayment_has_a_reason_and_an_amount(decided):
    from django.utils import timezone

    for amount, reason in ((1, ""), (0, "理由")):
        with pytest.raises(IntegrityError), transaction.atomic():
            Repayment.objects.create(
                application=decided, amount_yen=amount, reason=reason, recorded_at=timezone.now()
            )


def test_the_history_is_append_only(submitted):
    event = submitted.events.first()
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert ApplicationEvent.objects.filter(application=submitted).count() == 2


def test_the_history_cannot_be_rewritten_or_deleted_through_the_queryset(submitted):
    with pytest.raises(AppendOnlyError, match="申請の履歴は追記のみです"):
        ApplicationEvent.objects.filter(application=submitted).update(note="書き換え")
    with pytest.raises(AppendOnlyError, match="申請の履歴は削除できません"):
        submitted.events.all().delete()
    assert ApplicationEvent.objects.filter(application=submitted).count() == 2
    assert not ApplicationEvent.objects.filter(note="書き換え").exists()
