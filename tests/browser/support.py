"""What every browser test checks of a page: accessibility, fit on a phone, and the screen sizes used."""

from axe_playwright_python.sync_playwright import Axe

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 812}}


def assert_accessible(page):
    """axe-core finds no serious or critical violation."""
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], results.generate_report()


def assert_fits_the_screen(page):
    """Nothing wider than the screen: a phone reader never scrolls sideways."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
