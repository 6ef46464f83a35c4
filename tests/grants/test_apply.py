"""Applying: a member of an approved group drafts, then submits within the window with a grant to ask for."""

import pytest
from django.core import mail
from tests.grants.conftest import AFTER_WINDOW, BEFORE_WINDOW, IN_WINDOW

from machi.accounts.actions import NotAllowed
from machi.audit.models import AuditEntry
from machi.grants import actions
from machi.grants.models import Application, ApplicationEvent, ExpenseLine
from machi.grants.queries import expenses_yen, planned_grant_yen


def test_a_draft_keeps_its_planned_lines_and_the_grant_they_give(draft):
    assert draft.status == Application.Status.DRAFT
    assert expenses_yen(draft, "planned") == (630_000, 600_000)  # 飲食費 is not eligible
    assert planned_grant_yen(draft) == 200_000
    assert draft.number == f"G2022-{draft.pk:05d}"
    assert [e.to_status for e in draft.events.all()] == ["draft"]
    assert AuditEntry.objects.for_object(draft).get().action == "grants.save_draft"


def test_a_member_on_the_groups_list_may_change_the_draft_and_its_lines_are_replaced(draft, member, lines):
    actions.save_draft(
        actor=member,
        application=draft,
        programme=draft.programme,
        track=draft.track,
        group=draft.group,
        title="防災マップづくり（改）",
        expenses=lines(("消耗品費", 90_000)),
    )
    draft.refresh_from_db()
    assert draft.title == "防災マップづくり（改）"
    assert list(draft.expenses.values_list("category__name", "amount_yen")) == [("消耗品費", 90_000)]
    assert draft.applicant.username == "yamada"  # who first applied stays the applicant


def test_it_refuses_someone_outside_the_group(programme, small, group, stranger, lines):
    with pytest.raises(NotAllowed, match="構成員でない"):
        actions.save_draft(
            actor=stranger, programme=programme, track=small, group=group, title="x", expenses=lines()
        )
    assert not Application.objects.exists()


def test_it_refuses_a_group_not_yet_approved(programme, small, group, applicant, lines):
    group.status = "pending"
    group.save()
    with pytest.raises(actions.GrantRefused, match="承認前"):
        actions.save_draft(
            actor=applicant, programme=programme, track=small, group=group, title="x", expenses=lines()
        )
    assert not Application.objects.exists()


def test_it_refuses_a_group_of_another_ward(programme, small, group, applicant, lines):
    from machi.ledger.models import Ward

    group.ward = Ward.objects.get(name="東区")
    group.save()
    with pytest.raises(actions.GrantRefused, match="西区の団体ではないため"):
        actions.save_draft(
            actor=applicant, programme=programme, track=small, group=group, title="x", expenses=lines()
        )
    assert not Application.objects.exists()


def test_it_refuses_a_track_or_category_of_another_programme(programme, small, group, applicant, grants):
    from machi.grants.models import ExpenseCategory, GrantTrack

    other_track = GrantTrack.objects.exclude(programme=programme).first()
    with pytest.raises(actions.GrantRefused, match="この制度"):
        actions.save_draft(
            actor=applicant, programme=programme, track=other_track, group=group, title="x", expenses=[]
        )
    other_category = ExpenseCategory.objects.exclude(programme=programme).first()
    line = actions.ExpenseInput(category=other_category, description="", amount_yen=1)
    with pytest.raises(actions.GrantRefused, match="1行目: 費目"):
        actions.save_draft(
            actor=applicant, programme=programme, track=small, group=group, title="x", expenses=[line]
        )
    assert not Application.objects.exists()


@pytest.mark.parametrize("bad", [-1, 1.5, "100", 10**16])
def test_it_refuses_an_amount_that_is_not_whole_yen(programme, small, group, applicant, category, bad):
    line = actions.ExpenseInput(category=category("謝礼金"), description="講師", amount_yen=bad)
    with pytest.raises(actions.GrantRefused, match="1行目の金額は0以上の整数"):
        actions.save_draft(
            actor=applicant, programme=programme, track=small, group=group, title="x", expenses=[line]
        )
    assert not ExpenseLine.objects.exists()


def test_it_refuses_an_empty_title(programme, small, group, applicant):
    with pytest.raises(actions.GrantRefused, match="事業名を入力"):
        actions.save_draft(
            actor=applicant, programme=programme, track=small, group=group, title="　", expenses=[]
        )


def test_submitting_within_the_window_sends_it_to_the_ward_and_mails_the_applicant(
    draft, applicant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.submit(actor=applicant, application=draft, now=IN_WINDOW)

    draft.refresh_from_db()
    assert draft.status == "submitted"
    assert draft.submitted_at == IN_WINDOW
    event = draft.events.last()
    assert (event.from_status, event.to_status, event.actor) == ("draft", "submitted", applicant)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["yamada@example.jp"]
    assert draft.number in mail.outbox[0].subject
    assert "申請を受け付けました" in mail.outbox[0].body


@pytest.mark.parametrize("moment", [BEFORE_WINDOW, AFTER_WINDOW])
def test_it_refuses_a_submission_outside_the_window(draft, applicant, moment):
    with pytest.raises(actions.GrantRefused, match="受付期間は2022年4月1日 00:00から2023年2月1日 00:00まで"):
        actions.submit(actor=applicant, application=draft, now=moment)
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert draft.events.count() == 1


def test_it_refuses_a_submission_without_an_eligible_expense(draft, applicant, lines):
    actions.save_draft(
        actor=applicant,
        application=draft,
        programme=draft.programme,
        track=draft.track,
        group=draft.group,
        title=draft.title,
        expenses=lines(("飲食費", 100_000)),
    )
    with pytest.raises(actions.GrantRefused, match="補助対象となる経費を1件以上"):
        actions.submit(actor=applicant, application=draft, now=IN_WINDOW)
    assert Application.objects.get().status == "draft"


def test_it_refuses_a_submission_whose_grant_would_be_nothing(draft, applicant, lines):
    actions.save_draft(
        actor=applicant,
        application=draft,
        programme=draft.programme,
        track=draft.track,
        group=draft.group,
        title=draft.title,
        expenses=lines(("消耗品費", 2_999)),  # a third is 999 yen: nothing once rounded to the 千円
    )
    with pytest.raises(actions.GrantRefused, match="0円になります"):
        actions.submit(actor=applicant, application=draft, now=IN_WINDOW)


def test_it_refuses_a_submission_once_the_group_lost_its_approval(draft, applicant):
    draft.group.status = "declined"
    draft.group.decline_reason = "活動実態がない"
    draft.group.save()
    with pytest.raises(actions.GrantRefused, match="承認前"):
        actions.submit(actor=applicant, application=draft, now=IN_WINDOW)


def test_a_submitted_application_can_no_longer_be_changed_nor_submitted_again(submitted, applicant, lines):
    with pytest.raises(actions.GrantRefused, match="「申請済み」のため"):
        actions.save_draft(
            actor=applicant,
            application=submitted,
            programme=submitted.programme,
            track=submitted.track,
            group=submitted.group,
            title="後から変更",
            expenses=lines(),
        )
    with pytest.raises(actions.GrantRefused, match="「申請済み」のため"):
        actions.submit(actor=applicant, application=submitted, now=IN_WINDOW)
    assert Application.objects.get().title == "防災マップづくり"
    assert ApplicationEvent.objects.count() == 2


def test_the_group_may_withdraw_until_the_decision(submitted, member):
    actions.withdraw(actor=member, application=submitted, reason="日程が合わなくなった")
    submitted.refresh_from_db()
    assert submitted.status == "withdrawn"
    assert submitted.events.last().note == "日程が合わなくなった"


def test_staff_of_the_ward_cannot_withdraw_for_the_group(submitted, staff):
    with pytest.raises(NotAllowed):
        actions.withdraw(actor=staff, application=submitted)
