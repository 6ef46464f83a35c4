"""Ward staff create and open a grant round from their pages, in a browser, and the grants page, the project
page and the ward report show the same money left. Screenshots at desktop and phone widths, axe clean."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from tests.browser.support import PASSWORD, VIEWPORTS, field, log_in, page_checker

from machi.accounts.actors import SYSTEM
from machi.accounts.models import RoleGrant
from machi.grants import demo
from machi.grants.models import GrantProgramme
from machi.ledger.models import Project, Ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
check = page_checker("grants-setup")


@pytest.fixture
def site(local_site, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return local_site


@pytest.fixture
def nishi_staff(kumamoto, django_user_model):
    demo.load(actor=SYSTEM)
    staff = django_user_model.objects.create_user(
        "nishi-staff", "nishi-staff@example.jp", PASSWORD, display_name="西区 職員", is_staff=True
    )
    RoleGrant.objects.create(user=staff, role="ward-staff", ward=Ward.objects.get(name="西区"))
    return staff


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_staff_create_and_open_a_grant_round_and_every_page_shows_one_money_left(
    page, screenshot, site, viewport, nishi_staff
):
    page.set_viewport_size(VIEWPORTS[viewport])
    closes = f"{timezone.localdate().year + 1}-01-31T17:00"
    log_in(page, site, "nishi-staff")
    page.goto(site + "/grants/manage/")
    page.get_by_role("link", name="補助金の制度を作る").click()
    page.get_by_label("年度（西暦）").fill("2022")
    page.get_by_role("button", name="この区・年度の事業を表示する").click()
    field(page, "補助金を支出する台帳の事業").select_option(
        label="No.1 西区まちづくり懇話会開催経費（予算 500,000円）"
    )
    field(page, "制度の名称").fill("懇話会の提案を実行する団体への補助")
    field(page, "申請の受付開始").fill("2022-05-01T09:00")
    field(page, "申請の受付締切").fill(closes)
    page.locator('[name="tracks-0-name"]').fill("一般")
    page.locator('[name="tracks-0-rate_numerator"]').fill("1")
    page.locator('[name="tracks-0-rate_denominator"]').fill("2")
    page.locator('[name="tracks-0-cap_yen"]').fill("100,000")
    check(page, screenshot, "1-new", viewport)
    page.get_by_role("button", name="制度を作る").click()

    expect(
        page.get_by_text("補助金の制度「懇話会の提案を実行する団体への補助」を作りました。")
    ).to_be_visible()
    expect(page.get_by_role("button", name="今で受付を締め切る")).to_be_visible()
    check(page, screenshot, "2-programme", viewport)
    programme = GrantProgramme.objects.get(name="懇話会の提案を実行する団体への補助")
    project = Project.objects.get(pk=programme.project_id)
    left = f"{project.revised_yen - project.settled_yen:,}円"  # 500,000 − 60,000 = 440,000

    page.goto(site + "/grants/?year=2022")
    card = page.locator("section.programme", has_text="懇話会の提案を実行する団体への補助")
    expect(card.get_by_text("受付中")).to_be_visible()
    expect(card.locator("dd", has_text=left)).to_be_visible()
    page.goto(site + f"/projects/{project.pk}/")
    expect(page.locator(".money-left dd", has_text=left)).to_be_visible()
    check(page, screenshot, "3-project", viewport)
    page.goto(site + "/reports/2022/431036/")
    services = page.locator("table", has=page.locator("#services-money-caption"))
    row = services.locator("tr", has_text="西区まちづくり懇話会開催経費")
    expect(row).to_contain_text(left.removesuffix("円"))
