"""The English pages in a real browser, on a desktop and on a phone (375×812), with axe-core.

The header keeps the brand whole (it once wrapped to "Mach / i" beside the long English title on a
phone), and the ward page names the year and its money the English way. Screenshots land in
test-artifacts/english-*.png for a person to look at.
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
def test_the_english_ward_page_keeps_the_brand_whole_and_names_the_year_and_money_in_english(
    page, screenshot, site, viewport
):
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(site + "/2022/431010/")
    page.get_by_role("button", name="English").click()
    page.wait_for_url("**/2022/431010/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("FY2022 (Reiwa 4)")
    expect(page.locator("main")).to_contain_text("19,000 thousand yen")

    brand = page.locator(".site-name__brand")
    box = brand.bounding_box()
    line = float(brand.evaluate("element => parseFloat(getComputedStyle(element).lineHeight) || 0")) or 30
    assert box is not None and box["height"] < line * 1.5, f"the brand wraps: {box}"
    screenshot(f"english-ward-{viewport}")
    if viewport == "phone":
        assert_fits_the_screen(page)
    assert_accessible(page)
