"""Ward staff carry 中央区's FY2022 programme forward to FY2023 in a real browser, on a desktop and a phone.

Screenshots land in test-artifacts/carry-forward-*.png for a person to look at.
"""

import pytest
from playwright.sync_api import expect
from tests.browser.support import PASSWORD, VIEWPORTS, log_in, page_checker

from machi.accounts.models import RoleGrant
from machi.ledger.models import Programme, Project, Ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
check = page_checker("carry-forward")


@pytest.fixture
def site(local_site, kumamoto, django_user_model):
    """The live server with the Kumamoto FY2022 data and 中央区's staff member 田中."""
    staff = django_user_model.objects.create_user(
        "tanaka", email="tanaka@example.jp", password=PASSWORD, is_staff=True, display_name="田中"
    )
    RoleGrant.objects.create(user=staff, role="ward-staff", ward=Ward.objects.get(name="中央区"))
    return local_site


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_staff_carry_the_year_forward_after_reviewing_what_will_be_created(page, screenshot, site, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(page, site, "tanaka")
    page.goto(site + "/manage/wards/")
    page.wait_for_url("**/manage/wards/431010/")
    expect(page.get_by_role("heading", level=1)).to_have_text("中央区の年度計画")
    check(page, screenshot, "ward", viewport)

    page.get_by_role("link", name="次年度へ引き継ぐ").click()
    page.wait_for_url("**/manage/wards/431010/2022/carry-forward/")
    amount = page.get_by_label("No.1 地域コミュニティセンターのデジタル化実証実験事業")
    expect(amount).to_have_value("")
    amount.fill("1,900")
    check(page, screenshot, "form", viewport)

    page.get_by_role("button", name="確認画面へ進む").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("引き継ぐ内容の確認")
    expect(page.get_by_role("row", name="地域コミュニティセンターのデジタル化実証実験事業")).to_contain_text(
        "1,900"
    )
    assert not Programme.objects.filter(fiscal_year=2023).exists()
    check(page, screenshot, "review", viewport)

    page.get_by_role("button", name="この内容で作成する").click()
    expect(page.get_by_role("status")).to_contain_text(
        "令和5年度 中央区の年度計画を作成しました（事業 15件）"
    )
    assert Project.objects.get(programme__fiscal_year=2023, no=1).initial_yen == 1_900_000
    check(page, screenshot, "done", viewport)

    # The year as a demo would show it: the notice stands on its public page.
    Programme.objects.filter(fiscal_year=2023).update(is_demo=True)
    page.goto(site + "/2023/431010/")
    expect(page.get_by_role("note")).to_contain_text("デモ用のデータです")
    check(page, screenshot, "demo-notice", viewport)
