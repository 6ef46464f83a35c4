"""Rough edges of the grant pages: a button's address opened by GET, a step that moves money on one
click, and a result report staff cannot send back."""

import re

import pytest
from django.core import mail

from machi.grants import actions
from machi.grants.models import Application, ApplicationEvent, Payment

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.mark.parametrize("step", ["submit", "withdraw", "comment", "attachments"])
def test_a_get_on_a_groups_button_address_goes_to_the_application_not_an_empty_405(
    client, applicant, draft, step
):
    client.force_login(applicant)
    response = client.get(f"/grants/applications/{draft.pk}/{step}/")
    assert response.status_code == 302
    assert response["Location"] == f"/grants/applications/{draft.pk}/"
    draft.refresh_from_db()
    assert draft.status == "draft"


@pytest.mark.parametrize("step", ["review", "decide", "reject", "request_changes", "comment", "repay"])
def test_a_get_on_a_staff_step_address_goes_to_the_application_and_does_nothing(
    client, staff, submitted, step
):
    client.force_login(staff)
    response = client.get(f"/grants/manage/applications/{submitted.pk}/{step}/")
    assert response.status_code == 302
    assert response["Location"] == f"/grants/manage/applications/{submitted.pk}/"
    assert Application.objects.get().status == "submitted"


def test_confirming_the_amount_asks_first_showing_the_amount_and_writes_nothing(
    client, staff, reported, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(f"/grants/manage/applications/{reported.pk}/confirm/")
    page = text(asked)
    assert asked.status_code == 200
    assert "この額で補助金の額を確定しますか" in page and "170,000円で確定する" in page
    assert 'name="confirmed" value="yes"' in asked.content.decode()
    reported.refresh_from_db()
    assert (reported.status, reported.confirmed_yen) == ("reported", None)
    assert not ApplicationEvent.objects.filter(to_status="confirmed").exists()
    assert mail.outbox == []

    # The same page by its address (a link, no script needed), then the second button acts.
    assert "170,000円で確定する" in text(client.get(f"/grants/manage/applications/{reported.pk}/confirm/"))
    done = client.post(f"/grants/manage/applications/{reported.pk}/confirm/", {"confirmed": "yes"})
    assert done.status_code == 302
    reported.refresh_from_db()
    assert (reported.status, reported.confirmed_yen) == ("confirmed", 170_000)


def test_paying_asks_first_showing_the_amount_and_the_ledger_figure_and_pays_nothing(
    client, staff, confirmed, programme
):
    client.force_login(staff)
    asked = client.post(f"/grants/manage/applications/{confirmed.pk}/pay/")
    page = text(asked)
    assert asked.status_code == 200
    assert "この額を支払いますか" in page and "170,000円を支払う" in page
    assert "決算額 ― → 170,000円" in page
    assert not Payment.objects.exists()
    programme.project.refresh_from_db()
    assert programme.project.settled_yen is None

    done = client.post(f"/grants/manage/applications/{confirmed.pk}/pay/", {"confirmed": "yes"})
    assert done.status_code == 302
    assert Payment.objects.get().amount_yen == 170_000


def test_a_step_refused_at_the_question_says_why_on_the_application_page(client, staff, decided):
    client.force_login(staff)
    response = client.post(f"/grants/manage/applications/{decided.pk}/pay/")
    assert response.status_code == 400
    assert "この申請は「交付決定」のため、「支払済み」にはできません" in text(response)


def test_staff_send_a_report_back_naming_what_is_missing_and_the_group_reports_again(
    client, staff, reported, applicant, lines, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    page = client.get(f"/grants/manage/applications/{reported.pk}/").content.decode()
    assert f"/grants/manage/applications/{reported.pk}/return_report/" in page

    refused = client.post(f"/grants/manage/applications/{reported.pk}/return_report/", {"note": ""})
    assert refused.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            f"/grants/manage/applications/{reported.pk}/return_report/",
            {"note": "印刷製本費の領収書を添付してください"},
        )
    assert sent.status_code == 302
    reported.refresh_from_db()
    assert (reported.status, reported.reported_at, reported.decided_yen) == ("decided", None, 200_000)
    event = ApplicationEvent.objects.filter(application=reported).last()
    assert (event.from_status, event.to_status, event.note, event.actor) == (
        "reported",
        "decided",
        "印刷製本費の領収書を添付してください",
        staff,
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["yamada@example.jp"]
    assert "実績報告の差し戻し" in message.subject
    assert "印刷製本費の領収書を添付してください" in message.body and "交付を決定しました" not in message.body

    # The group sees why, and its report form starts from what it reported.
    client.force_login(applicant)
    page = text(client.get(f"/grants/applications/{reported.pk}/"))
    assert "区から実績報告の差し戻しがあります" in page and "印刷製本費の領収書を添付してください" in page
    form = client.get(f"/grants/applications/{reported.pk}/report/").content.decode()
    assert 'value="420000"' in form or 'value="420,000"' in form

    again = actions.report_results(
        actor=applicant, application=reported, expenses=lines(("謝礼金", 90_000), ("印刷製本費", 420_000))
    )
    assert again.status == "reported"


def test_only_a_reported_application_goes_back_and_only_by_the_wards_staff(staff, other_staff, decided):
    with pytest.raises(actions.GrantRefused, match="「交付決定」のため"):
        actions.return_report(actor=staff, application=decided, note="領収書")
    from machi.accounts.scope import NotAllowed

    with pytest.raises(NotAllowed):
        actions.return_report(actor=other_staff, application=decided, note="領収書")
