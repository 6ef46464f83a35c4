"""Ward staff record an event's expense in a real browser: the form (全角 digits, a 令和 date), the review
with the 決算額 before and after, and the project's public history naming the event, not the payee.

Screenshots land in test-artifacts/event-expenses-*.png for a person to look at.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from tests.browser.support import PASSWORD, VIEWPORTS, field, log_in, page_checker

from machi.accounts.actors import SYSTEM
from machi.accounts.models import RoleGrant
from machi.events import actions
from machi.ledger.models import Programme, Project, Ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

check = page_checker("event-expenses")


@pytest.fixture
def event(django_user_model):
    ward = Ward.objects.get_or_create(code="431010", defaults={"name": "中央区", "name_en": "Chuo"})[0]
    programme = Programme.objects.create(ward=ward, fiscal_year=2026)
    project = Project.objects.create(
        programme=programme, no=6, name="地域防災力強化経費", initial_yen=800_000
    )
    staff = django_user_model.objects.create_user(
        "chuo-staff", password=PASSWORD, is_staff=True, display_name="中央 職員"
    )
    RoleGrant.objects.create(user=staff, role="ward-staff", ward=ward)
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=30)
    created = actions.create_event(
        actor=SYSTEM,
        project=project,
        kind="course",
        title="防災講座",
        title_kana="ぼうさいこうざ",
        capacity_seats=20,
        registration_opens_at=starts - datetime.timedelta(days=20),
        registration_closes_at=starts - datetime.timedelta(days=1),
        cancel_until=starts - datetime.timedelta(days=2),
        sessions=[(starts, starts + datetime.timedelta(hours=2))],
    )
    return actions.publish_event(actor=SYSTEM, event=created)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_staff_record_an_expense_after_reviewing_it(page, screenshot, local_site, event, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(page, local_site, "chuo-staff")
    page.goto(f"{local_site}/events/ledger/{event.pk}/expenses/")
    expect(page.get_by_role("heading", name="「防災講座」の支出")).to_be_visible()
    field(page, "節").select_option(label="報償費")
    field(page, "支払先").fill("熊本 太郎")
    field(page, "支払日").fill("令和8年５月１０日")
    field(page, "金額（円）").fill("３０，０００")
    check(page, screenshot, "form", viewport)
    page.get_by_role("button", name="確認する").click()

    expect(page.get_by_role("heading", name="この支出を記録しますか")).to_be_visible()
    expect(page.get_by_text("― → 30,000")).to_be_visible()
    screenshot(f"event-expenses-review-{viewport}")
    page.get_by_role("button", name="記録して決算額に計上する").click()

    expect(page.get_by_role("status")).to_have_text("30,000円の支出を記録し、事業の決算額に計上しました")
    expect(page.get_by_role("table", name="支出の一覧（支払日順）")).to_contain_text("熊本 太郎")
    page.get_by_role("link", name="事業のページ（決算額と変更履歴）").click()
    history = page.locator("table", has_text="変更の記録（古い順）")
    expect(history).to_contain_text("催しの支出（「防災講座」 報償費）")
    expect(history).not_to_contain_text("熊本")
