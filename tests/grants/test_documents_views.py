"""Downloads of the notices and the lists: who gets which file, and the 404 that reveals nothing."""

from io import BytesIO
from urllib.parse import unquote

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader
from tests.core.pdf_support import pdf_text

from machi.accounts.models import RoleGrant


@pytest.fixture
def city_admin(django_user_model):
    user = django_user_model.objects.create_user("city", is_staff=True)
    RoleGrant.objects.create(user=user, role="city-admin")
    return user


def notice_url(application, kind="decision"):
    return reverse(f"grants:{kind}-notice", args=[application.pk])


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def filename_of(response) -> str:
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''"), disposition
    return unquote(disposition.removeprefix("attachment; filename*=utf-8''"))


@pytest.mark.parametrize("who", ["staff", "applicant", "member"])
def test_ward_staff_and_the_groups_members_download_the_decision_notice(client, decided, request, who):
    response = get(client, request.getfixturevalue(who), notice_url(decided))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert filename_of(response) == f"交付決定通知書_{decided.number}.pdf"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    text = pdf_text(response.content)
    assert "島崎校区自治協議会" in text
    assert "金200,000円" in text
    assert len(PdfReader(BytesIO(response.content)).pages) == 1


def test_the_confirmation_notice_is_downloaded_once_confirmed(client, confirmed, applicant):
    response = get(client, applicant, notice_url(confirmed, "confirmation"))
    assert response.status_code == 200
    assert filename_of(response) == f"交付額確定通知書_{confirmed.number}.pdf"
    assert "金170,000円" in pdf_text(response.content)


@pytest.mark.parametrize("who", ["stranger", "other_staff"])
@pytest.mark.parametrize("kind", ["decision", "confirmation"])
def test_anyone_else_gets_the_same_404_as_for_no_application(client, confirmed, request, who, kind):
    user = request.getfixturevalue(who)
    assert get(client, user, notice_url(confirmed, kind)).status_code == 404
    missing = reverse(f"grants:{kind}-notice", args=[confirmed.pk + 1000])
    assert get(client, user, missing).status_code == 404


def test_a_visitor_is_sent_to_log_in(client, decided):
    response = client.get(notice_url(decided))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["staff", "applicant"])
def test_no_notice_before_its_step_a_clear_japanese_refusal(client, submitted, request, who):
    response = get(client, request.getfixturevalue(who), notice_url(submitted))
    assert response.status_code == 400
    page = response.content.decode()
    assert "通知書を作成できません" in page
    assert f"申請番号 {submitted.number} は「申請済み」のため、交付決定通知書はありません" in page
    response = get(client, request.getfixturevalue(who), notice_url(submitted, "confirmation"))
    assert response.status_code == 400
    assert "交付額確定通知書はありません" in response.content.decode()


def test_a_refusal_to_a_stranger_is_still_a_404(client, submitted, stranger):
    assert get(client, stranger, notice_url(submitted)).status_code == 404


def list_url(programme, what):
    return reverse(f"grants:{what}-xlsx", args=[programme.pk])


@pytest.mark.parametrize("what", ["applications", "payments"])
@pytest.mark.parametrize("who", ["staff", "city_admin"])
def test_ward_staff_and_city_admins_download_the_lists(client, confirmed, programme, request, who, what):
    response = get(client, request.getfixturevalue(who), list_url(programme, what))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    label = "補助金申請一覧" if what == "applications" else "補助金支払一覧"
    assert filename_of(response) == f"{label}_令和4年度_西区_{programme.pk}.xlsx"
    workbook = load_workbook(BytesIO(response.content))
    sheet = workbook.worksheets[0]
    assert sheet["A1"].value.startswith("令和4年度 西区 地域コミュニティづくり支援補助金")
    if what == "applications":
        assert sheet["A4"].value == confirmed.number


@pytest.mark.parametrize("what", ["applications", "payments"])
@pytest.mark.parametrize("who", ["applicant", "member", "stranger", "other_staff"])
def test_the_lists_are_for_the_wards_staff_only(client, confirmed, programme, request, who, what):
    assert get(client, request.getfixturevalue(who), list_url(programme, what)).status_code == 404


def test_a_missing_programme_is_a_404_for_staff_too(client, staff, programme):
    missing = reverse("grants:applications-xlsx", args=[programme.pk + 1000])
    assert get(client, staff, missing).status_code == 404
