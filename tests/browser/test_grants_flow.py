"""The community grant from application to payment in a real browser, on a desktop and on a phone, with axe-core.

A member of an approved group applies to 西区's grant (the grant shows as they type, before
anything is saved), attaches a quote and submits; the ward's staff start the review, try to
decide more than the rule gives (refused on the page in the action's words) and decide; the
group reports its actual expenses with a receipt; staff confirm the amount and pay; the
ledger project's page then shows its settled figure moved, with a history entry naming the
grant. Screenshots land in test-artifacts/grants-*.png.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from tests.browser.grant_steps import attach_pdf, fill_expenses, row
from tests.browser.support import PASSWORD, VIEWPORTS, field, log_in, log_out, page_checker

from machi.accounts.actors import SYSTEM
from machi.accounts.models import CommunityGroup, GroupMember, RoleGrant
from machi.grants import demo
from machi.grants.models import Application, GrantProgramme
from machi.ledger.models import Ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(local_site, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return local_site


@pytest.fixture
def people(kumamoto, django_user_model):
    demo.load(actor=SYSTEM)
    nishi = Ward.objects.get(name="西区")
    programme = GrantProgramme.objects.get(ward=nishi, fiscal_year=2022)
    # The pages run on the real clock: open the window around today.
    now = timezone.now()
    programme.opens_at, programme.closes_at = (
        now - datetime.timedelta(days=1),
        now + datetime.timedelta(days=60),
    )
    programme.save()
    # At the start of its year: the seed's 決算額 is the year's end, grants included, and would leave
    # only 54,000 yen for decisions (machi.ledger.queries.money_left).
    from machi.ledger.actions import set_figures

    set_figures(programme.project, actor=SYSTEM, reason="年度の初め", settled_yen=None)
    applicant = django_user_model.objects.create_user(
        "hanako@example.jp",
        "hanako@example.jp",
        PASSWORD,
        display_name="島崎 花子",
        home_ward=nishi,
        email_verified_at=now,
    )
    group = CommunityGroup.objects.create(
        name="島崎校区自治協議会", kind="kouku", ward=nishi, representative=applicant, status="approved"
    )
    GroupMember.objects.create(group=group, name=str(applicant), user=applicant)
    staff = django_user_model.objects.create_user(
        "nishi-staff", "nishi-staff@example.jp", PASSWORD, display_name="西区 職員", is_staff=True
    )
    RoleGrant.objects.create(user=staff, role="ward-staff", ward=nishi)
    return {"programme": programme, "project": programme.project}


check = page_checker("grants")


def grant_shown(page):
    return page.locator('[data-quote="grant"]')


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_apply_decide_report_confirm_and_pay(page, screenshot, site, viewport, people):
    page.set_viewport_size(VIEWPORTS[viewport])
    project = people["project"]
    settled_before = project.settled_yen

    # The group's member finds 西区's grant and applies; the grant shows as they type.
    log_in(page, site, "hanako@example.jp")
    page.get_by_role("link", name="補助金", exact=True).first.click()
    page.wait_for_url("**/grants/")
    expect(
        page.get_by_role("heading", name=re.compile("^西区 地域コミュニティづくり支援補助金"))
    ).to_be_visible()
    check(page, screenshot, "1-programmes", viewport)
    page.get_by_role("link", name=re.compile(r"^西区の補助金を\s*申請する$")).click()
    page.get_by_role("radio", name=re.compile("^身近な課題解決対応")).check()
    field(page, "事業名").fill("防災マップづくり")
    field(page, "事業の内容").fill("校区の危険箇所を歩いて調べ、防災マップを作って全戸に配る。")
    field(page, "実施時期・日程").fill("2022年7月〜12月")
    fill_expenses(
        page,
        "expenses",
        [("謝礼金", "講師への謝礼", "100,000"), ("印刷製本費", "マップの印刷", "５００，０００")],
    )
    page.get_by_role("button", name="行を追加").click()  # the script adds a fourth row in place
    row(page, "expenses", 3, "category").select_option(label="飲食費（対象外）")
    row(page, "expenses", 3, "amount_yen").fill("30000")
    page.locator('[data-quote="total"]').filter(has_text="630,000円").wait_for()
    assert page.locator('[data-quote="eligible"]').inner_text() == "600,000円"  # 飲食費 is not eligible
    grant_shown(page).filter(has_text="200,000円").wait_for()
    assert Application.objects.count() == 0  # nothing saved while typing
    check(page, screenshot, "2-draft-with-grant", viewport)
    page.get_by_role("button", name="下書きを保存する").click()
    page.wait_for_url(re.compile(r"/grants/applications/\d+/$"))
    application = Application.objects.get()
    assert application.status == "draft"

    # A quote as a PDF, then submit.
    attach_pdf(page, "見積書.pdf")
    page.get_by_role("button", name="申請する", exact=True).click()
    page.get_by_text("申請しました。区の担当者が審査します。").wait_for()
    check(page, screenshot, "3-submitted", viewport)
    log_out(page)

    # Ward staff: the pipeline, review, a refused decision, then the decision.
    log_in(page, site, "nishi-staff")
    page.goto(site + "/grants/manage/")
    page.get_by_role("link", name=re.compile("西区 地域コミュニティづくり支援補助金")).click()
    page.wait_for_url(re.compile(r"/grants/manage/programmes/\d+/$"))
    expect(page.get_by_role("link", name=re.compile(r"申請済み\s*1"))).to_be_visible()
    check(page, screenshot, "4-pipeline", viewport)
    page.get_by_role("link", name=application.number).click()
    page.get_by_role("button", name="審査を始める").click()
    page.get_by_text("審査を始めました。").wait_for()
    page.locator("#id_decide_amount_yen").fill("250,000")
    page.get_by_role("button", name="交付を決定する").click()
    page.get_by_text("交付決定額（250,000円）が算定額（200,000円）を超えています").first.wait_for()
    check(page, screenshot, "5-decision-refused", viewport)
    page.locator("#id_decide_amount_yen").fill("200000")
    page.locator("#id_decide_conditions").fill("活動の写真を添えて実績報告をすること")
    page.get_by_role("button", name="交付を決定する").click()
    page.get_by_text("交付を決定しました（200,000円）。").wait_for()
    log_out(page)

    # The group reports what it spent, with a receipt; the grant on the actual expenses shows as they type.
    log_in(page, site, "hanako@example.jp")
    page.goto(site + f"/grants/applications/{application.pk}/")
    page.get_by_role("link", name="実績報告をする").click()
    attach_pdf(page, "領収書.pdf")
    row(page, "actual", 0, "amount_yen").fill("90000")
    row(page, "actual", 1, "amount_yen").fill("420,000")
    grant_shown(page).filter(has_text="170,000円").wait_for()
    check(page, screenshot, "6-report", viewport)
    page.get_by_role("button", name="実績報告を送る").click()
    page.get_by_text("実績報告を送りました。").wait_for()
    log_out(page)

    # Staff confirm the amount (the smaller of decided and recomputed) and pay.
    log_in(page, site, "nishi-staff")
    page.goto(site + f"/grants/manage/applications/{application.pk}/")
    # Each asks again, showing the amount, before it acts.
    page.get_by_role("button", name="額を確定する（確認へ）").click()
    expect(page.get_by_role("heading", name="この額で補助金の額を確定しますか")).to_be_visible()
    check(page, screenshot, "7-confirm-amount", viewport)
    page.get_by_role("button", name="170,000円で確定する").click()
    page.get_by_text("補助金の額を確定しました（170,000円）。").wait_for()
    page.get_by_role("button", name="支払う（確認へ）").click()
    expect(page.get_by_role("heading", name="この額を支払いますか")).to_be_visible()
    check(page, screenshot, "7-confirm-payment", viewport)
    page.get_by_role("button", name="170,000円を支払う").click()
    page.get_by_text("170,000円を支払いました。").wait_for()
    check(page, screenshot, "7-paid", viewport)

    # The ledger project's settled figure moved by the payment, with the grant named in its history.
    project.refresh_from_db()
    assert project.settled_yen == (settled_before or 0) + 170_000
    page.get_by_role("link", name=re.compile("台帳の事業「")).click()
    history = page.locator("#history-heading + div table")
    last = history.locator("tbody tr").last
    assert "補助金の支払い" in last.inner_text() and application.number in last.inner_text()
    check(page, screenshot, "8-ledger", viewport)
