"""The lottery (抽選) in a real browser, on a desktop and on a phone (375×812), with axe-core.

Two residents apply for the same evening of the same room; time passes (the schedule is moved
back rather than the clock forward); the centre's manager sees both entries and draws; the
winner sees the result and confirms, the loser sees they lost; the public page shows the seed,
the verified log by entry number, and no names. Screenshots land in test-artifacts/lottery-*.png.
"""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect
from tests.browser.support import PASSWORD, VIEWPORTS, page_checker
from tests.browser.support import log_in as log_in_as

from machi.accounts.actors import SYSTEM
from machi.accounts.models import RoleGrant
from machi.facilities import actions
from machi.facilities import lottery as lotteries
from machi.facilities.models import Centre, Lottery, Reservation, Room
from machi.facilities.queries import add_months, closure_reason
from machi.ledger.models import Ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(local_site, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return local_site


@pytest.fixture
def setting(django_user_model):
    chuo = Ward.objects.create(code="431010", name="中央区")
    centre = actions.save_centre(
        actor=SYSTEM, centre=Centre(ward=chuo, name="白川地域コミュニティセンター", phone="096-000-0001")
    )
    room = Room.objects.create(centre=centre, name="和室", capacity=20, fee_per_block_yen=600, position=1)
    Room.objects.create(centre=centre, name="多目的ホール", capacity=80, fee_per_block_yen=1500, position=2)
    people = {}
    for username, name in (("hanako", "熊本 花子"), ("taro", "白川 太郎"), ("kanri", "白川 管理人")):
        people[username] = django_user_model.objects.create_user(
            username,
            f"{username}@example.jp",
            PASSWORD,
            display_name=name,
            home_ward=chuo,
            email_verified_at=timezone.now(),
        )
    RoleGrant.objects.create(user=people["kanri"], role="centre-manager", centre=centre)
    now = timezone.now()
    month = add_months(timezone.localdate(), 3)  # first-come for it has not opened yet
    lottery = lotteries.create_lottery(
        actor=people["kanri"],
        centre=centre,
        month=month,
        applications_open_at=now - datetime.timedelta(hours=1),
        applications_close_at=now + datetime.timedelta(hours=1),
        draw_at=now + datetime.timedelta(hours=2),
        confirm_by=now + datetime.timedelta(days=7),
        first_come_opens_at=now + datetime.timedelta(days=8),
    )
    day = month + datetime.timedelta(days=8)
    while closure_reason(centre, day):
        day += datetime.timedelta(days=1)
    return {"lottery": lottery, "room": room, "day": day, **people}


check = page_checker("lottery")


def log_in(page, site, username):
    """Another person on the same page: the last one's session cleared first."""
    page.context.clear_cookies()
    log_in_as(page, site, username)


def apply_for_the_evening(page, site, setting, viewport, *, shoot: bool, screenshot):
    lottery, room, day = setting["lottery"], setting["room"], setting["day"]
    page.goto(site + "/facilities/")
    page.get_by_role("navigation", name="施設予約のメニュー").get_by_role("link", name="抽選").click()
    page.wait_for_url("**/facilities/lotteries/")
    if shoot:
        check(page, screenshot, "list", viewport)
    page.get_by_role("link", name=re.compile("白川地域コミュニティセンター .*分の抽選")).click()
    page.wait_for_url(f"**/facilities/lotteries/{lottery.pk}/")
    if shoot:
        check(page, screenshot, "detail-open", viewport)
    page.get_by_role("link", name="抽選に申し込む").click()
    page.wait_for_url("**/apply/")

    first = page.get_by_role("group", name=re.compile("^第1希望"))
    first.get_by_label("第1希望の部屋").select_option(str(room.pk))
    first.get_by_label("第1希望の利用日").select_option(day.isoformat())
    first.get_by_role("checkbox", name="夜間（18:00〜21:00）").check()
    second = page.get_by_role("group", name=re.compile("^第2希望"))
    second.get_by_label("第2希望の部屋").select_option(str(room.pk))
    if shoot:
        # A second choice half filled in: the form says what is missing, in Japanese.
        page.get_by_role("button", name="申し込む").click()
        assert "第2希望の利用日を選んでください。" in page.get_by_role("alert").inner_text()
        check(page, screenshot, "apply-errors", viewport)
    second.get_by_label("第2希望の部屋").select_option("")
    if shoot:
        check(page, screenshot, "apply", viewport)
    page.get_by_role("button", name="申し込む").click()
    page.wait_for_url("**/entry/")
    assert "抽選に申し込みました。申込番号は" in page.get_by_role("status").first.inner_text()
    if shoot:
        check(page, screenshot, "entry-applied", viewport)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_apply_draw_confirm_and_lose(page, screenshot, site, viewport, setting):
    page.set_viewport_size(VIEWPORTS[viewport])
    lottery = setting["lottery"]

    log_in(page, site, "hanako")
    apply_for_the_evening(page, site, setting, viewport, shoot=True, screenshot=screenshot)
    log_in(page, site, "taro")
    apply_for_the_evening(page, site, setting, viewport, shoot=False, screenshot=screenshot)

    # The manager sees both entries; the draw is not yet due.
    log_in(page, site, "kanri")
    page.goto(site + f"/facilities/lotteries/{lottery.pk}/staff/")
    assert page.get_by_role("button", name="いま抽選する").count() == 0
    entries = page.get_by_role("region", name=re.compile("申込（2件）")).first
    assert "熊本 花子" in entries.inner_text() and "白川 太郎" in entries.inner_text()

    # Time passes: the window has closed and the draw is due.
    now = timezone.now()
    Lottery.objects.filter(pk=lottery.pk).update(
        applications_open_at=now - datetime.timedelta(hours=3),
        applications_close_at=now - datetime.timedelta(hours=2),
        draw_at=now - datetime.timedelta(hours=1),
    )
    page.reload()
    check(page, screenshot, "staff-before-draw", viewport)
    page.get_by_role("button", name="いま抽選する").click()
    assert "抽選を実施しました（申込 2件、当選 1件）" in page.get_by_role("status").first.inner_text()
    assert "検証済み" in page.content()
    check(page, screenshot, "staff-drawn", viewport)

    won = Reservation.objects.get(lottery=lottery)
    winner, loser = ("hanako", "taro") if won.holder.username == "hanako" else ("taro", "hanako")
    assert sorted(m.to[0] for m in mail.outbox) == ["hanako@example.jp", "taro@example.jp"]

    # The winner sees the result and confirms.
    log_in(page, site, winner)
    page.goto(site + f"/facilities/lotteries/{lottery.pk}/entry/")
    expect(page.get_by_role("heading", name="当選しました（第1希望）")).to_be_visible()
    check(page, screenshot, "entry-won", viewport)
    page.get_by_role("button", name="利用を確定する").click()
    assert "利用を確定しました" in page.get_by_role("status").first.inner_text()
    check(page, screenshot, "entry-confirmed", viewport)
    won.refresh_from_db()
    assert won.status == Reservation.Status.CONFIRMED

    # The loser sees they lost, and when the leftovers open.
    log_in(page, site, loser)
    page.goto(site + f"/facilities/lotteries/{lottery.pk}/entry/")
    expect(page.get_by_role("heading", name="落選しました")).to_be_visible()
    check(page, screenshot, "entry-lost", viewport)

    # The public page: the seed revealed, the log verified, entry numbers and no names.
    page.get_by_role("link", name=re.compile("抽選のページ")).click()
    text = page.locator("main").inner_text()
    assert lottery.seed in text and "検証済み" in text
    assert "熊本 花子" not in text and "白川 太郎" not in text
    check(page, screenshot, "detail-drawn", viewport)
