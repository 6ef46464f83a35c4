"""Ward staff's grant pages through Django's test client: scope, the pipeline and totals, and each step.

A refusal (over the computed grant, over the envelope, a missing reason) is shown on the
page in the action's own words and writes nothing. List pages keep a bounded number of queries.
"""

import re

import pytest
from tests.grants.conftest import set_envelope

from machi.accounts.models import RoleGrant
from machi.grants import actions
from machi.grants.models import Application, ApplicationEvent
from machi.ledger.models import FigureChange

pytestmark = pytest.mark.django_db


def text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def step(client, application, name, **data):
    return client.post(f"/grants/manage/applications/{application.pk}/{name}/", data)


def test_a_resident_cannot_reach_the_staff_pages(client, applicant, submitted, programme):
    client.force_login(applicant)
    for url in (
        "/grants/manage/",
        f"/grants/manage/programmes/{programme.pk}/",
        f"/grants/manage/applications/{submitted.pk}/",
    ):
        assert client.get(url).status_code == 403, url
    assert step(client, submitted, "review").status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_staff_of_another_ward_can_neither_see_nor_act(client, submitted, programme, other_staff):
    client.force_login(other_staff)
    response = client.get(f"/grants/manage/programmes/{programme.pk}/")
    assert response.status_code == 403 and "西区の補助金を扱う権限がありません" in text(response)
    response = step(client, submitted, "decide", amount_yen="100000")
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == "submitted" and submitted.decided_yen is None
    # Their own ward's programme is listed, and 西区's is not.
    page = text(client.get("/grants/manage/"))
    assert "東区" in page and "西区" not in page


def test_a_city_admin_sees_every_ward(client, django_user_model, submitted):
    admin = django_user_model.objects.create_user("city", is_staff=True)
    RoleGrant.objects.create(user=admin, role="city-admin")
    client.force_login(admin)
    page = text(client.get("/grants/manage/"))
    assert all(ward in page for ward in ("中央区", "東区", "西区", "南区"))


def test_the_pipeline_counts_totals_and_tracks_in_bounded_queries(
    client, staff, make_submitted, small, model_track, programme, django_assert_max_num_queries
):
    first = make_submitted(small, 600_000, title="防災マップ")
    second = make_submitted(model_track, 300_000, title="夏祭り")
    for n in range(4):
        make_submitted(small, 100_000, title=f"講座{n}")
    actions.decide(actor=staff, application=first, amount_yen=200_000)
    actions.decide(actor=staff, application=second, amount_yen=200_000)
    client.force_login(staff)
    # One more than before the money left came from the ledger: it asks the services what they hold.
    with django_assert_max_num_queries(13):
        response = client.get(f"/grants/manage/programmes/{programme.pk}/")
    page = text(response)
    envelope = programme.envelope_yen
    assert f"予算（補正後） {envelope:,}円" in page
    assert "交付決定額の合計 400,000円" in page and f"予算の残り {envelope - 400_000:,}円" in page
    assert "すべて 6" in page and "申請済み 4" in page and "交付決定 2" in page
    assert "身近な課題解決対応（1/3、上限200,000円） 5件 200,000円" in page
    assert "モデル事業（2/3、上限400,000円） 1件 200,000円" in page
    listed = text(client.get(f"/grants/manage/programmes/{programme.pk}/", {"status": "decided"}))
    assert "防災マップ" in listed and "夏祭り" in listed and "講座0" not in listed


def test_review_comment_and_request_changes(client, staff, submitted, django_capture_on_commit_callbacks):
    client.force_login(staff)
    assert step(client, submitted, "review").status_code == 302
    assert step(client, submitted, "comment", note="写真があると分かりやすいです").status_code == 302
    response = step(client, submitted, "request_changes", note="")
    assert response.status_code == 400 and "修正をお願いする内容を入力してください。" in text(response)
    assert step(client, submitted, "request_changes", note="見積書を添えてください").status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "changes_requested"
    page = text(client.get(f"/grants/manage/applications/{submitted.pk}/"))
    assert "申請済み → 審査中" in page and "写真があると分かりやすいです" in page
    assert "審査中 → 修正依頼" in page and "見積書を添えてください" in page


def test_a_decision_over_the_computed_grant_is_refused_on_the_page(client, staff, submitted):
    client.force_login(staff)
    response = step(client, submitted, "decide", amount_yen="２０１，０００", conditions="")
    page = text(response)
    assert response.status_code == 400
    assert "交付決定額（201,000円）が算定額（200,000円）を超えています" in page
    submitted.refresh_from_db()
    assert submitted.status == "submitted" and submitted.decided_yen is None


def test_a_decision_over_the_envelope_is_refused_on_the_page(client, staff, submitted, programme):
    set_envelope(programme, 150_000)
    client.force_login(staff)
    response = step(client, submitted, "decide", amount_yen="200000")
    assert response.status_code == 400
    page = text(response)
    assert "予算の残りは150,000円です" in page and "200,000円は交付決定できません" in page
    assert not Application.objects.filter(status="decided").exists()


def test_reject_needs_a_reason(client, staff, submitted):
    client.force_login(staff)
    response = step(client, submitted, "reject", reason="")
    assert response.status_code == 400 and "不交付の理由を入力してください" in text(response)
    assert step(client, submitted, "reject", reason="対象となる活動ではありません").status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "rejected" and submitted.rejection_reason == "対象となる活動ではありません"


def test_decide_confirm_pay_and_repay_post_to_the_ledger(client, staff, submitted, programme):
    client.force_login(staff)
    response = step(client, submitted, "decide", amount_yen="200,000", conditions="写真を添えること")
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert (submitted.status, submitted.decided_yen, submitted.conditions) == (
        "decided",
        200_000,
        "写真を添えること",
    )
    # Confirming before the report is refused in the action's words (the page does not offer it, the URL does).
    response = step(client, submitted, "confirm")
    assert response.status_code == 400 and "この申請は「交付決定」のため、「額の確定」にはできません" in text(
        response
    )

    actions.report_results(
        actor=submitted.applicant,
        application=submitted,
        expenses=[
            actions.ExpenseInput(
                category=programme.categories.get(name="謝礼金"), description="講師", amount_yen=450_000
            )
        ],
    )
    assert step(client, submitted, "confirm", confirmed="yes").status_code == 302
    settled_before = programme.project.settled_yen or 0
    assert step(client, submitted, "pay", confirmed="yes").status_code == 302
    response = step(client, submitted, "pay", confirmed="yes")
    assert response.status_code == 400 and "「支払済み」" in text(response)
    programme.project.refresh_from_db()
    assert programme.project.settled_yen == settled_before + 150_000
    change = FigureChange.objects.filter(project=programme.project).order_by("-id").first()
    assert submitted.number in change.reason

    response = step(client, submitted, "repay", amount_yen="200000", reason="催しの中止")
    assert response.status_code == 400 and "返還額の合計（200,000円）が支払額（150,000円）を超えます" in text(
        response
    )
    assert step(client, submitted, "repay", amount_yen="50000", reason="催しの一部中止").status_code == 302
    page = text(client.get(f"/grants/manage/programmes/{programme.pk}/"))
    assert "確定額の合計 150,000円" in page and "支払済み（返還を除く） 100,000円" in page
    assert ApplicationEvent.objects.filter(application=submitted, note__contains="返還 50,000円").exists()


def test_the_application_page_offers_only_the_steps_of_its_state(client, staff, submitted):
    client.force_login(staff)
    html = client.get(f"/grants/manage/applications/{submitted.pk}/").content.decode()
    for offered in ("review", "decide", "reject", "request_changes", "comment"):
        assert f"/{offered}/" in html
    for not_offered in ("confirm", "pay", "repay"):
        assert f"/{not_offered}/" not in html
