"""A centre's schedule in a real browser, on a desktop and on a phone, with axe-core: the manager opens the
schedule, puts a coming month to lottery with the proposed timetable, changes its number of choices, and a
resident sees the lottery on the room's month with its application period. Screenshots: schedule-*.png."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from tests.browser.support import PASSWORD, VIEWPORTS, log_in, page_checker

from machi.accounts.actors import SYSTEM
from machi.accounts.models import RoleGrant
from machi.facilities import actions
from machi.facilities.models import Centre, Lottery, Room
from machi.facilities.queries import add_months
from machi.ledger.models import Ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

check = page_checker("schedule")


@pytest.fixture
def setting(django_user_model):
    chuo = Ward.objects.create(code="431010", name="中央区")
    centre = actions.save_centre(
        actor=SYSTEM, centre=Centre(ward=chuo, name="白川地域コミュニティセンター", phone="096-000-0001")
    )
    room = Room.objects.create(centre=centre, name="和室", capacity=20, fee_per_block_yen=600)
    manager = django_user_model.objects.create_user(
        "kanri", "kanri@example.jp", PASSWORD, display_name="白川 管理人", email_verified_at=timezone.now()
    )
    RoleGrant.objects.create(user=manager, role="centre-manager", centre=centre)
    return {"centre": centre, "room": room}


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_manager_puts_a_month_to_lottery_and_a_resident_sees_it(
    page, screenshot, local_site, viewport, setting
):
    site, centre, room = local_site, setting["centre"], setting["room"]
    month = add_months(timezone.localdate(), 4)
    label = f"{month.year}年{month.month}月"
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(page, site, "kanri")
    page.goto(site + "/facilities/manage/")
    page.get_by_role("link", name=re.compile("予約と抽選の日程")).click()
    page.wait_for_url(f"**/facilities/manage/centres/{centre.pk}/schedule/")
    check(page, screenshot, "months", viewport)

    page.get_by_role("link", name=re.compile(f"{label}分を\\s*抽選にする")).click()
    page.wait_for_url("**/lotteries/new/**")
    check(page, screenshot, "new", viewport)
    page.get_by_role("button", name="抽選にする").click()
    page.wait_for_url(f"**/facilities/manage/centres/{centre.pk}/schedule/")
    expect(page.get_by_role("status").first).to_contain_text(f"{label}分を抽選にしました。")
    lottery = Lottery.objects.get(centre=centre, month=month)

    page.get_by_role("link", name=re.compile(f"{label}分の\\s*日程を変更する")).click()
    page.get_by_label(re.compile("^希望の数")).select_option("2")
    page.get_by_role("button", name="変更する").click()
    page.wait_for_url(f"**/facilities/manage/centres/{centre.pk}/schedule/")
    lottery.refresh_from_db()
    assert lottery.max_choices == 2

    page.context.clear_cookies()
    page.goto(site + f"/facilities/rooms/{room.pk}/?month={month:%Y-%m}")
    expect(page.get_by_text(f"{label}分は抽選で割り振ります")).to_be_visible()
    check(page, screenshot, "room-month", viewport)
