"""The public programmes and a group's application pages through Django's test client.

Draft with its budget (the grant computed on 「計算する」 as the quote API computes it),
attachments, submit (refusals shown in the action's words), the result report, and who may see what.
"""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from machi.grants import actions
from machi.grants.models import Application, Attachment, ExpenseLine

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def text(response) -> str:
    """The page's text without tags, spaces folded: what a person reads."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def open_now(programme):
    """The programme's window moved around today: the pages submit on the real clock."""
    now = timezone.now()
    programme.opens_at = now - datetime.timedelta(days=1)
    programme.closes_at = now + datetime.timedelta(days=30)
    programme.save()
    return programme


def budget(category, *rows, step="save", track=None, **fields):
    """The draft form's POST: rows are (category name, description, amount as typed)."""
    data = {
        "title": "防災マップづくり",
        "plan": "校区を歩いて危険箇所を調べる",
        "schedule": "7月〜12月",
        "other_income_yen": "１０，０００",
        "expenses-TOTAL_FORMS": str(len(rows)),
        "expenses-INITIAL_FORMS": "0",
        "expenses-MIN_NUM_FORMS": "0",
        "expenses-MAX_NUM_FORMS": "50",
        "step": step,
    }
    if track is not None:
        data["track"] = track.pk
    for n, (name, description, amount) in enumerate(rows):
        data[f"expenses-{n}-category"] = category(name).pk if name else ""
        data[f"expenses-{n}-description"] = description
        data[f"expenses-{n}-amount_yen"] = amount
    return data | fields


def test_the_programmes_of_the_year_by_ward_with_tracks_envelope_and_decided(
    client, decided, programme, django_assert_max_num_queries
):
    with django_assert_max_num_queries(5):
        response = client.get("/grants/", {"year": 2022})
    page = text(response)
    assert response.status_code == 200
    assert page.index("中央区") < page.index("東区") < page.index("西区") < page.index("南区")
    nishi = page.split("西区")[1]
    assert "身近な課題解決対応 1/3 200,000円 千円未満切り捨て" in nishi
    assert "モデル事業 2/3 400,000円" in nishi
    envelope = programme.envelope_yen
    assert f"{envelope:,}円" in nishi and "決定済みで未払い 200,000円" in nishi
    assert f"予算の残り {envelope - 200_000:,}円" in nishi
    assert "対象にならない経費 ： 飲食費 備品購入費" in nishi


def test_a_resident_without_an_approved_group_is_told_who_may_apply(client, stranger, programme):
    client.force_login(stranger)
    response = client.get(f"/grants/programmes/{programme.pk}/apply/")
    assert response.status_code == 403
    assert "西区に承認された団体の代表者か構成員" in text(response)


def test_recalculate_shows_the_grant_of_the_quote_api_and_writes_nothing(
    client, applicant, group, programme, small, category
):
    client.force_login(applicant)
    data = budget(
        category,
        ("謝礼金", "講師", "100,000"),
        ("印刷製本費", "マップ", "５００，０００円"),
        ("飲食費", "打上げ", "30000"),
        step="recalculate",
        track=small,
        group=group.pk,
    )
    response = client.post(f"/grants/programmes/{programme.pk}/apply/", data)
    page = text(response)
    assert response.status_code == 200
    assert "経費の合計 630,000円" in page and "うち補助対象経費 600,000円" in page
    quote = client.post(
        f"/api/grants/programmes/{programme.pk}/quote",
        {"track": small.pk, "eligible_expenses": 600_000},
        content_type="application/json",
    ).json()
    assert quote["grant"] == 200_000
    assert "補助金の額 200,000円" in page
    assert Application.objects.count() == 0


def test_add_row_without_script_keeps_what_was_typed_and_adds_one(
    client, applicant, group, programme, small, category
):
    client.force_login(applicant)
    data = budget(category, ("謝礼金", "講師", "100000"), step="add_row", track=small, group=group.pk)
    response = client.post(f"/grants/programmes/{programme.pk}/apply/", data)
    html = response.content.decode()
    assert 'name="expenses-TOTAL_FORMS" value="2"' in html
    assert 'name="expenses-1-amount_yen"' in html and 'value="100000"' in html
    assert Application.objects.count() == 0


def test_save_a_draft_then_submit_it(
    client, applicant, group, programme, small, category, open_now, staff, django_capture_on_commit_callbacks
):
    client.force_login(applicant)
    data = budget(
        category,
        ("謝礼金", "講師", "100,000"),
        ("印刷製本費", "マップ", "500000"),
        ("", "", ""),
        track=small,
        group=group.pk,
    )
    response = client.post(f"/grants/programmes/{programme.pk}/apply/", data)
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/grants/applications/{application.pk}/"
    assert application.status == "draft" and application.other_income_yen == 10_000
    assert list(application.expenses.values_list("amount_yen", flat=True)) == [100_000, 500_000]
    page = text(client.get(response["Location"]))
    assert "下書きを保存しました" in page and "補助金の額（補助率1/3、上限200,000円） 200,000円" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/grants/applications/{application.pk}/submit/")
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "submitted"
    assert "補助金の申請を受け付けました" in mail.outbox[-1].body


def test_a_refused_submission_shows_the_actions_message_and_stays_a_draft(client, applicant, draft):
    client.force_login(applicant)  # the FY2022 window closed long ago
    response = client.post(f"/grants/applications/{draft.pk}/submit/")
    assert response.status_code == 400
    assert "申請の受付期間は2022年4月1日 00:00から2023年2月1日 00:00までです" in text(response)
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_line_without_its_category_is_an_error_on_the_line(
    client, applicant, group, programme, small, category
):
    client.force_login(applicant)
    data = budget(category, ("", "講師", "100000"), track=small, group=group.pk)
    response = client.post(f"/grants/programmes/{programme.pk}/apply/", data)
    assert "費目を選んでください。" in text(response)
    assert Application.objects.count() == 0


def test_attachments_are_checked_by_the_action_and_downloaded_by_members_and_staff(
    client, applicant, draft, stranger, staff, other_staff
):
    client.force_login(applicant)
    response = client.post(
        f"/grants/applications/{draft.pk}/attachments/",
        {"kind": "plan", "file": _upload("plan.png", b"not really a picture")},
    )
    assert response.status_code == 400 and "添付できるのは PDF、PNG、JPEG のファイルだけです" in text(
        response
    )
    assert Attachment.objects.count() == 0

    response = client.post(
        f"/grants/applications/{draft.pk}/attachments/", {"kind": "plan", "file": _upload("見積書.png", PNG)}
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    url = f"/grants/applications/{draft.pk}/attachments/{attachment.pk}/"
    for person, status in ((applicant, 200), (staff, 200), (stranger, 404), (other_staff, 404)):
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == status, person
    client.force_login(staff)
    response = client.get(url)
    assert response.content == PNG and response["Content-Type"] == "image/png"


def _upload(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="image/png")


def test_others_cannot_see_or_change_an_application(client, draft, stranger):
    client.force_login(stranger)
    assert client.get(f"/grants/applications/{draft.pk}/").status_code == 404
    assert client.post(f"/grants/applications/{draft.pk}/submit/").status_code == 404
    assert client.get(f"/grants/applications/{draft.pk}/edit/").status_code == 404


def test_a_member_sees_the_request_for_changes_and_edits_the_draft(
    client, member, submitted, staff, category
):
    actions.request_changes(actor=staff, application=submitted, note="講師の謝礼の根拠を添えてください")
    client.force_login(member)
    page = text(client.get(f"/grants/applications/{submitted.pk}/"))
    assert "区から修正の依頼があります" in page and "講師の謝礼の根拠を添えてください" in page
    response = client.get(f"/grants/applications/{submitted.pk}/edit/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="防災マップづくり"' in html and 'value="500000"' in html


def test_the_result_report_then_the_confirmed_amount_and_payment_shown(
    client, applicant, decided, staff, category
):
    client.force_login(applicant)
    page = text(client.get(f"/grants/applications/{decided.pk}/report/"))
    assert "交付決定額は200,000円です" in page
    rows = [("謝礼金", "講師", "90,000"), ("印刷製本費", "マップ", "420000"), ("飲食費", "打上げ", "40000")]
    data = budget(category, *rows, prefix="actual", note="参加者 120人")
    data = {k.replace("expenses-", "actual-"): v for k, v in data.items()}
    response = client.post(f"/grants/applications/{decided.pk}/report/", data)
    assert response.status_code == 302
    decided.refresh_from_db()
    assert decided.status == "reported"
    assert sorted(
        decided.expenses.filter(phase=ExpenseLine.Phase.ACTUAL).values_list("amount_yen", flat=True)
    ) == [
        40_000,
        90_000,
        420_000,
    ]
    actions.confirm_amount(actor=staff, application=decided)
    actions.pay(actor=staff, application=decided)
    page = text(client.get(f"/grants/applications/{decided.pk}/"))
    assert "確定額 170,000円" in page and "支払額 170,000円" in page
    assert "実績の補助対象経費 510,000円、算定額 170,000円" in page


def test_my_applications_lists_the_groups_applications_in_bounded_queries(
    client, member, make_submitted, small, model_track, django_assert_max_num_queries
):
    for n in range(4):
        make_submitted(small if n % 2 else model_track, 300_000 + n * 1000, title=f"催し{n}")
    client.force_login(member)
    with django_assert_max_num_queries(6):
        response = client.get("/grants/mine/")
    page = text(response)
    assert page.count("申請済み") == 4 and "催し3" in page
    assert "補助金の額（予算から算定） 101,000円" in page  # 303,000 × 1/3, down to the 千円


def test_the_history_names_the_staff_who_acted_and_not_their_login(client, applicant, submitted, staff):
    staff.display_name = "西区 担当者"
    staff.save(update_fields=["display_name"])
    actions.start_review(actor=staff, application=submitted)
    client.force_login(applicant)
    page = text(client.get(f"/grants/applications/{submitted.pk}/"))
    assert "西区 担当者" in page and "山田 花子" in page
    assert f" {staff.get_username()} " not in page and f" {applicant.get_username()} " not in page
