"""The ledger's public pages in a real browser, on a desktop and on a phone (375×812), with axe-core.

Screenshots land in test-artifacts/ledger-*.png for a person to look at.
"""

import pytest
from playwright.sync_api import expect
from tests.browser.support import VIEWPORTS, assert_accessible, assert_fits_the_screen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(local_site, kumamoto):
    """The live server with the Kumamoto FY2022 data."""
    return local_site


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_index_shows_every_ward_with_its_totals(page, screenshot, site, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(site + "/")
    assert page.locator("html").get_attribute("lang") == "ja"
    table = page.get_by_role("table", name="令和4年度 区ごとの予算と決算")
    for ward in ("中央区", "東区", "西区", "南区", "北区"):
        expect(table.get_by_role("link", name=f"令和4年度 {ward}")).to_be_visible()
    chuo = table.get_by_role("row").filter(has=page.get_by_role("link", name="令和4年度 中央区"))
    assert all(figure in chuo.inner_text() for figure in ("19,000", "17,620", "16,701"))
    screenshot(f"ledger-index-{viewport}")
    if viewport == "phone":
        assert_fits_the_screen(page)
    assert_accessible(page)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_ward_page_shows_pillars_projects_and_totals(page, screenshot, site, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(site + "/")
    page.get_by_role("link", name="令和4年度 中央区").press("Enter")  # by keyboard, as many people do
    page.wait_for_url("**/2022/431010/")
    assert page.get_by_role("heading", level=1).inner_text() == "令和4年度 中央区のまちづくり推進経費"
    total = page.get_by_role("row", name="中央区の合計")
    assert all(figure in total.inner_text() for figure in ("19,000", "17,620", "16,701", "94.8%", "919"))
    first = page.get_by_role("row", name="地域コミュニティセンターのデジタル化実証実験事業")
    assert "新規" in first.inner_text() and "1,798" in first.inner_text()
    screenshot(f"ledger-ward-chuo-{viewport}")
    if viewport == "phone":
        assert_fits_the_screen(page)
    assert_accessible(page)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_ward_page_flags_settled_above_revised(page, screenshot, site, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(site + "/2022/431044/")
    note = page.get_by_role("region", name="決算額が2月補正後の予算を上回っている事業があります")
    expect(note).to_be_visible()
    note.get_by_role("link", name="No.16 地域課題対応費").click()
    row = page.get_by_role("row", name="地域課題対応費")
    assert "超過" in row.inner_text() and "4,195" in row.inner_text()
    screenshot(f"ledger-ward-minami-{viewport}")
    assert_accessible(page)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_project_page_shows_figures_and_history(page, screenshot, site, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(site + "/2022/431010/")
    page.get_by_role("link", name="地域コミュニティセンターのデジタル化実証実験事業").click()
    page.wait_for_url("**/projects/*/")
    figures = page.get_by_role("table", name="金額")
    assert "1,798" in figures.inner_text()
    history = page.get_by_role("table", name="変更の記録（古い順）")
    assert history.get_by_role("row").count() == 4  # the header and one row for each figure imported
    screenshot(f"ledger-project-{viewport}")
    if viewport == "phone":
        assert_fits_the_screen(page)
    assert_accessible(page)


def test_skip_link_is_the_first_stop_and_leads_to_the_content(page, site):
    page.goto(site + "/2022/431010/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="本文へ移動")
    assert skip.evaluate("element => element === document.activeElement")
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0  # visible when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_focus_is_visible_on_links(page, site):
    page.goto(site + "/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")


def test_language_switch_changes_the_page_language(page, site):
    page.goto(site + "/2022/431010/")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.url.endswith("/2022/431010/")
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.get_by_role("button", name="日本語")).to_be_visible()
