"""Review: only staff of the programme's ward start it, comment, ask for changes or reject (with a reason)."""

import pytest
from django.core import mail
from tests.grants.conftest import IN_WINDOW

from machi.accounts.actions import NotAllowed
from machi.audit.models import AuditEntry
from machi.grants import actions


def test_staff_start_the_review(submitted, staff):
    actions.start_review(actor=staff, application=submitted)
    submitted.refresh_from_db()
    assert submitted.status == "under_review"
    assert AuditEntry.objects.for_object(submitted).filter(action="grants.under_review", actor=staff).exists()


@pytest.mark.parametrize("who", ["other_staff", "applicant", "stranger"])
def test_only_staff_of_the_ward_may_review(submitted, request, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(NotAllowed, match="西区の補助金"):
        actions.start_review(actor=actor, application=submitted)
    with pytest.raises(NotAllowed):
        actions.reject(actor=actor, application=submitted, reason="対象外")
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_a_request_for_changes_sends_it_back_and_the_group_submits_again(
    submitted, staff, applicant, django_capture_on_commit_callbacks
):
    actions.start_review(actor=staff, application=submitted)
    with django_capture_on_commit_callbacks(execute=True):
        actions.request_changes(actor=staff, application=submitted, note="見積書を添付してください")

    submitted.refresh_from_db()
    assert submitted.status == "changes_requested"
    assert "見積書を添付してください" in mail.outbox[-1].body
    actions.submit(actor=applicant, application=submitted, now=IN_WINDOW)
    submitted.refresh_from_db()
    assert [(e.from_status, e.to_status) for e in submitted.events.all()] == [
        ("", "draft"),
        ("draft", "submitted"),
        ("submitted", "under_review"),
        ("under_review", "changes_requested"),
        ("changes_requested", "submitted"),
    ]


def test_a_request_for_changes_needs_to_say_what(submitted, staff):
    with pytest.raises(actions.GrantRefused, match="修正をお願いする内容"):
        actions.request_changes(actor=staff, application=submitted, note=" ")


def test_a_staff_comment_is_kept_and_mailed_and_the_status_stays(
    submitted, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event = actions.comment(actor=staff, application=submitted, note="説明会にご参加ください")
    assert event.is_comment and event.to_status == "submitted"
    assert mail.outbox[-1].subject.endswith("区からの連絡")


def test_the_group_may_comment_but_a_stranger_may_not(
    submitted, member, stranger, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.comment(actor=member, application=submitted, note="質問があります")
    assert not mail.outbox  # the group does not mail itself
    with pytest.raises(NotAllowed):
        actions.comment(actor=stranger, application=submitted, note="…")
    assert submitted.events.filter(note="…").count() == 0


def test_a_rejection_needs_a_reason_and_tells_the_applicant(
    submitted, staff, django_capture_on_commit_callbacks
):
    with pytest.raises(actions.GrantRefused, match="不交付の理由"):
        actions.reject(actor=staff, application=submitted, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        actions.reject(actor=staff, application=submitted, reason="営利を目的とする事業のため")
    submitted.refresh_from_db()
    assert (submitted.status, submitted.rejection_reason) == ("rejected", "営利を目的とする事業のため")
    assert "営利を目的とする事業のため" in mail.outbox[-1].body


def test_a_rejected_application_cannot_be_decided(submitted, staff):
    actions.reject(actor=staff, application=submitted, reason="対象外")
    with pytest.raises(actions.GrantRefused, match="「不交付」のため"):
        actions.decide(actor=staff, application=submitted, amount_yen=1_000)
