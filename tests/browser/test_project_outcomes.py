"""A project's outcomes on its public page in a real browser: the demo centres' usage posted to 中央区 No.1.

Screenshots land in test-artifacts/ledger-outcomes-*.png for a person to look at.
"""

import datetime

import pytest
from django.core.management import call_command
from playwright.sync_api import expect
from tests.browser.support import PAGE_CHECKS, VIEWPORTS, assert_accessible, assert_fits_the_screen

from machi.accounts.actors import SYSTEM
from machi.core.fiscal import TOKYO
from machi.facilities.actions import book, post_usage
from machi.facilities.models import Room
from machi.ledger.models import Project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pilot(local_site):
    """`machi demo`, a few October 2022 bookings at 中央区's centres, and their usage posted."""
    call_command("demo")
    booked_at = datetime.datetime(2022, 9, 1, 10, tzinfo=TOKYO)
    rooms = Room.objects.filter(centre__ward__name="中央区", requires_approval=False).order_by("pk")[:3]
    for day, room in zip((4, 5, 6), rooms, strict=True):
        book(
            actor=SYSTEM,
            room=room,
            date=datetime.date(2022, 10, day),
            block_codes=["morning", "afternoon"],
            holder_name="電話の方",
            holder_phone="096-000-0000",
            now=booked_at,
        )
    post_usage(actor=SYSTEM, fiscal_year=2022)
    post_usage(actor=SYSTEM, fiscal_year=2022, month=datetime.date(2022, 10, 1))
    project = Project.objects.get(programme__ward__code="431010", programme__fiscal_year=2022, no=1)
    return f"{local_site}/projects/{project.pk}/"


def test_the_project_page_shows_the_year_s_usage_and_each_room_on_request(page, screenshot, pilot):
    """At each size in turn, on one `machi demo` (seconds of work): the page is loaded afresh at each.

    Where page checks are left to another run (MACHI_PAGE_CHECKS=0), at the desktop's size alone, as the
    other walks are (tests/conftest.py).
    """
    for viewport in VIEWPORTS if PAGE_CHECKS else ["desktop"]:
        the_page_at(page, screenshot, pilot, viewport)


def the_page_at(page, screenshot, pilot, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(pilot)
    section = page.get_by_role("region", name="成果")
    year = section.get_by_role("table", name="令和4年度（2022年4月〜2023年3月）")
    expect(year).to_be_visible()
    assert "3 件" in year.get_by_role("row", name="予約件数（確定・無断不使用）").inner_text()
    assert "21 時間" in year.get_by_role("row", name="予約された利用時間").inner_text()

    parts = section.locator("details.outcomes--parts").first
    expect(parts).not_to_have_attribute("open", "")  # folded, as a page just loaded shows it
    parts.locator("summary").focus()
    page.keyboard.press("Enter")  # opened by keyboard
    expect(parts.get_by_role("table", name="内訳")).to_be_visible()
    expect(section.get_by_role("table", name="2022年10月")).to_be_hidden()  # the months wait, folded
    screenshot(f"ledger-outcomes-{viewport}")
    if viewport == "phone":
        assert_fits_the_screen(page)
    assert_accessible(page)
