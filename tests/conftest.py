import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
DATASET = Path(__file__).resolve().parent.parent / "data" / "kumamoto-fy2022"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright. CI (MACHI_REQUIRE_BROWSER=1) fails rather than skips."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("MACHI_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required here: apt-get install -y chromium")
        pytest.skip("Chromium is not installed (apt-get install -y chromium); browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under test-artifacts/ for a person to look at."""

    def take(name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def kumamoto(db):
    """The shipped Kumamoto FY2022 dataset, imported through the real importer."""
    from machi.accounts.actors import SYSTEM
    from machi.ledger.importers import import_path

    return import_path(DATASET, source="data/kumamoto-fy2022", actor=SYSTEM)


@pytest.fixture
def ward_staff(db, django_user_model):
    """Make a member of staff of one or more wards: ward_staff("tanaka", ward, display_name=…)."""
    from machi.accounts.models import RoleGrant

    def make(username: str, *wards, **fields):
        user = django_user_model.objects.create_user(username, is_staff=True, **fields)
        for ward in wards:
            RoleGrant.objects.create(user=user, role="ward-staff", ward=ward)
        return user

    return make


@pytest.fixture(autouse=True)
def japanese_after_each_test():
    """A test that switches to English (a page in English, a mail to an English speaker) leaves Japanese behind."""
    from django.utils import translation

    yield
    translation.activate("ja")
