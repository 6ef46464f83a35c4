"""What every browser test checks of a page and the steps they share.

Accessibility, fit on a phone and the screen sizes used; a screenshot and both checks in one
step (`page_checker`); finding a field by its label and required/optional mark; logging in
and out with the tests' password.
"""

import os
import re

from axe_playwright_python.sync_playwright import Axe

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 812}}
PASSWORD = "kumamoto-castle-2022"  # every browser test's people log in with it
MARKS = ("必須", "任意")  # the mark each form label carries
# axe-core, the screenshots and the phone's size look at pages, and a page is the same whatever the
# database. CI runs the suite on SQLite and then again on PostgreSQL, where the browser walks prove the
# flows on the production engine; that second run sets MACHI_PAGE_CHECKS=0, so each page is checked and
# pictured once per CI run (axe and the screenshots are 40 % of a walk's time) and each walk runs there
# at the desktop's size only (tests/conftest.py deselects the phone's). Every step of the walks is
# checked in both runs.
PAGE_CHECKS = os.environ.get("MACHI_PAGE_CHECKS", "1") != "0"


def assert_accessible(page):
    """axe-core finds no serious or critical violation (unless this run leaves page checks to another)."""
    if not PAGE_CHECKS:
        return
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], results.generate_report()


def assert_fits_the_screen(page):
    """Nothing wider than the screen: a phone reader never scrolls sideways."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0


def page_checker(prefix: str):
    """`check(page, screenshot, name, viewport)`: a screenshot `<prefix>-<name>-<viewport>`, then the page
    fits a phone's screen (on the phone) and axe finds nothing serious."""

    def check(page, screenshot, name: str, viewport: str) -> None:
        screenshot(f"{prefix}-{name}-{viewport}")
        # After a full-page screenshot of a scrolled page, Chromium's clicks land off target until it scrolls.
        page.evaluate("window.scrollTo(0, 0)")
        if viewport == "phone":
            assert_fits_the_screen(page)
        assert_accessible(page)

    return check


def field(page, label: str, marks: tuple[str, ...] = MARKS):
    """A form field by its visible label, which also carries its mark (必須/任意 …)."""
    alternatives = "|".join(re.escape(mark) for mark in marks)
    return page.get_by_label(re.compile(rf"^{re.escape(label)}({alternatives})$"))


def log_in(page, site: str, username: str, password: str = PASSWORD) -> None:
    """Log in through the login page (email or username) and land on one's profile (staff: on 今日の仕事)."""
    page.goto(site + "/accounts/login/")
    page.get_by_label(re.compile("^メールアドレスまたはユーザー名")).fill(username)
    field(page, "パスワード").fill(password)
    page.get_by_role("button", name="ログインする").click()
    page.wait_for_url(re.compile(r"/accounts/(profile|staff)/$"))


def log_out(page) -> None:
    page.get_by_role("button", name="ログアウト").click()
