"""The public statistics of residents' requests in a real browser, on a desktop and a phone: filtered by ward,
withheld cells shown as such, the CSV downloaded; axe finds nothing serious.

Screenshots land in test-artifacts/request-stats-*.png for a person to look at.
"""

import csv
import datetime
import io

import pytest
from playwright.sync_api import expect
from tests.browser.support import VIEWPORTS, page_checker

from machi.accounts.actors import SYSTEM
from machi.core.fiscal import TOKYO
from machi.ledger.models import Ward
from machi.requests import actions
from machi.requests.models import Category

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
check = page_checker("request-stats")
JUNE = datetime.datetime(2026, 6, 2, 10, tzinfo=TOKYO)


@pytest.fixture
def reported(local_site):
    chuo = Ward.objects.get_or_create(code="431010", defaults={"name": "中央区", "name_en": "Chuo"})[0]
    higashi = Ward.objects.get_or_create(code="431028", defaults={"name": "東区", "name_en": "Higashi"})[0]
    road = Category.objects.create(ward=chuo, code="road", name="道路の破損", group="道路", target_days=5)
    light = Category.objects.create(ward=higashi, code="light", name="街灯の故障", group="照明")
    for day in range(6):
        request = actions.submit_request(
            actor=SYSTEM,
            category=road,
            description="歩道の段差",
            address="手取本町1-1",
            now=JUNE + datetime.timedelta(days=day),
        )
        if day < 3:
            actions.change_status(
                actor=SYSTEM,
                request=request,
                to="resolved",
                expected_version=request.version,
                now=JUNE + datetime.timedelta(days=day + 1),
            )
    actions.submit_request(actor=SYSTEM, category=light, description="消灯", address="東区役所前", now=JUNE)
    return f"{local_site}/requests/stats/?year=2026"


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_statistics_page_shows_each_category_by_month_and_withholds_small_ones(
    page, screenshot, reported, viewport
):
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(reported)
    expect(page.get_by_role("heading", level=1)).to_contain_text("地域課題の受付状況")
    road = page.get_by_role("table", name="道路の破損の月ごとの受付と対応")
    june = road.get_by_role("row", name="2026年6月")
    expect(june.get_by_role("cell").first).to_have_text("6")
    expect(june.get_by_role("cell").nth(1)).to_have_text("3")
    light = page.get_by_role("table", name="街灯の故障の月ごとの受付と対応")
    expect(light.get_by_role("row", name="年度計").get_by_role("cell").first).to_have_text("5件未満")
    check(page, screenshot, "all-wards", viewport)

    page.get_by_label("区", exact=True).select_option(label="東区")
    page.get_by_role("button", name="表示する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("東区")
    expect(page.get_by_role("table")).to_have_count(1)

    with page.expect_download() as download:
        page.get_by_role("link", name="この表を CSV でダウンロード").click()
    content = download.value.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert [r[:5] for r in rows[1:]] == [
        ["東区", "照明", "街灯の故障", "2026年6月", "5件未満"],
        ["東区", "照明", "街灯の故障", "年度計", "5件未満"],
    ]
    if viewport == "desktop":
        page.get_by_text("数え方").click()
        expect(page.get_by_text("対応済には含めません", exact=False)).to_be_visible()
        check(page, screenshot, "one-ward", viewport)
