"""The report pages in a real browser, on a desktop and on a phone (375×812), with axe-core.

Screenshots land in test-artifacts/reports-*.png for a person to look at.
"""

import pytest
from playwright.sync_api import expect
from tests.browser.support import PAGE_CHECKS, VIEWPORTS, assert_accessible, assert_fits_the_screen
from tests.conftest import ARTIFACTS
from tests.reports.second_year import load_fy2021

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(local_site, kumamoto, tmp_path):
    """The live server with the Kumamoto FY2022 data and a second year (FY2021, two wards)."""
    load_fy2021(tmp_path)
    return local_site


PAGES = {
    "ward-chuo": "/reports/2022/431010/",
    "ward-minami": "/reports/2022/431044/",
    "city-2022": "/reports/2022/",
}


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("name", PAGES)
def test_every_report_page_is_accessible_and_fits(page, screenshot, site, viewport, name):
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(site + PAGES[name])
    assert page.locator("html").get_attribute("lang") == "ja"
    figures = page.locator("figure.chart")
    assert figures.count() >= 2
    for i in range(figures.count()):
        svg = figures.nth(i).locator("svg")
        assert svg.get_attribute("role") == "img"
        box = svg.bounding_box()
        assert box and box["width"] <= VIEWPORTS[viewport]["width"]
        if PAGE_CHECKS:
            figures.nth(i).screenshot(path=str(ARTIFACTS / f"reports-{name}-{viewport}-chart{i + 1}.png"))
    screenshot(f"reports-{name}-{viewport}")
    assert_fits_the_screen(page)
    assert_accessible(page)


def test_the_ward_report_is_reached_from_the_ledger_and_shows_its_total(page, site):
    page.goto(site + "/2022/431010/")
    page.get_by_role("link", name="中央区の報告（グラフ・ダウンロード）").click()
    page.wait_for_url("**/reports/2022/431010/")
    total = page.get_by_role("row", name="中央区の合計")
    assert all(figure in total.inner_text() for figure in ("19,000", "17,620", "16,701", "94.8%", "919"))
    expect(page.get_by_role("img", name="事業ごとの2月補正後の予算と決算額（千円）")).to_be_visible()


def test_the_city_overview_is_reached_from_the_index_and_links_each_ward(page, site):
    page.goto(site + "/")
    page.get_by_role("link", name="令和4年度の区の比較とグラフ（報告）").click()
    page.wait_for_url("**/reports/2022/")
    page.get_by_role("table", name="令和4年度 区ごとの予算と決算").get_by_role("link", name="北区").click()
    page.wait_for_url("**/reports/2022/431052/")
    assert "12,186" in page.get_by_role("row", name="北区の合計").inner_text()


def test_japanese_text_in_the_charts_is_drawn_with_a_japanese_font(page, site):
    page.goto(site + "/reports/2022/")
    width = page.evaluate(
        "() => { const t = document.querySelector('figure.chart svg text'); return t.getComputedTextLength(); }"
    )
    assert width > 0
    fonts = page.evaluate("() => document.fonts.check('15px \"Noto Sans CJK JP\"', '中央区')")
    assert fonts
