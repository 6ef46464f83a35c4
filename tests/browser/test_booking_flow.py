"""The community-centre booking pages in a real browser, on a desktop and on a phone (375×812), with axe-core.

A resident searches the ward for a free room, looks at its month and its week, books two
blocks of a hall that needs approval (a first try over the capacity is refused on the form;
the fee and the 減免 are shown before confirming), the manager approves it, books on behalf
of a caller and prints the day sheet; the resident sees the booking confirmed, prints its
approval and cancels another booking. Screenshots land in test-artifacts/booking-*.png.
"""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect
from tests.browser.support import PASSWORD, VIEWPORTS, log_in, log_out, page_checker
from tests.browser.support import field as labelled

from machi.accounts.actors import SYSTEM
from machi.accounts.models import CommunityGroup, GroupMember, RoleGrant
from machi.facilities import actions
from machi.facilities.models import Centre, ClosedDay, FeeExemption, Reservation, Room
from machi.facilities.queries import add_months
from machi.ledger.models import Ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def bookable_day() -> datetime.date:
    """The 12th of next month: open for booking under the default rules (the window opened last month)."""
    return add_months(timezone.localdate(), 1).replace(day=12)


@pytest.fixture
def site(local_site, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return local_site


@pytest.fixture
def centres(django_user_model):
    chuo = Ward.objects.create(code="431010", name="中央区")
    Ward.objects.create(code="431028", name="東区")
    shirakawa = actions.save_centre(
        actor=SYSTEM,
        centre=Centre(
            ward=chuo,
            name="白川地域コミュニティセンター",
            name_kana="しらかわちいきこみゅにてぃせんたー",
            school_district="白川校区",
            address="熊本市中央区白川町1-1",
            phone="096-000-0001",
        ),
    )
    kurokami = actions.save_centre(
        actor=SYSTEM,
        centre=Centre(
            ward=chuo, name="黒髪地域コミュニティセンター", school_district="黒髪校区", phone="096-000-0002"
        ),
    )
    washitsu = Room.objects.create(
        centre=shirakawa,
        name="和室",
        capacity=20,
        fee_per_block_yen=600,
        equipment="座卓、座布団",
        position=1,
    )
    hall = Room.objects.create(
        centre=shirakawa,
        name="多目的ホール",
        capacity=80,
        fee_per_block_yen=1500,
        requires_approval=True,
        equipment="音響設備、プロジェクター",
        position=2,
    )
    Room.objects.create(centre=kurokami, name="会議室", capacity=30, fee_per_block_yen=400)
    FeeExemption.objects.create(centre=shirakawa, group_kind="jichikai", percent=50)

    resident = django_user_model.objects.create_user(
        "hanako@example.jp",
        "hanako@example.jp",
        PASSWORD,
        display_name="熊本 花子",
        home_ward=chuo,
        email_verified_at=timezone.now(),
    )
    group = CommunityGroup.objects.create(
        name="白川一丁目自治会", kind="jichikai", ward=chuo, representative=resident, status="approved"
    )
    GroupMember.objects.create(group=group, name=str(resident), user=resident)
    manager = django_user_model.objects.create_user(
        "kanri", "kanri@example.jp", PASSWORD, display_name="白川 管理人"
    )
    RoleGrant.objects.create(user=manager, role="centre-manager", centre=shirakawa)
    day = bookable_day()
    other = actions.book(
        actor=resident,
        room=washitsu,
        date=day + datetime.timedelta(days=7),
        block_codes=["morning"],
        purpose="書道教室",
        attendees=8,
    )
    return {"centre": shirakawa, "hall": hall, "washitsu": washitsu, "day": day, "other": other}


check = page_checker("booking")


def field(page, label: str):
    return labelled(page, label, ("必須", "任意", "アカウントがない方は必須"))


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_search_book_approve_on_behalf_day_sheet_and_cancel(page, screenshot, site, viewport, centres):
    page.set_viewport_size(VIEWPORTS[viewport])
    day, hall = centres["day"], centres["hall"]
    day_label = f"{day.month}月{day.day}日"

    # The resident searches 中央区 for a room for 30 people on the day's afternoon.
    log_in(page, site, "hanako@example.jp")
    page.get_by_role("link", name="施設予約").first.click()
    page.wait_for_url("**/facilities/")
    check(page, screenshot, "index", viewport)
    field(page, "区").select_option(label="中央区")
    field(page, "利用日").fill(day.isoformat())
    field(page, "時間帯").select_option(label="午後")
    field(page, "人数").fill("30")
    page.get_by_role("button", name="空いている部屋をさがす").click()
    results = page.locator(".room-results")
    assert "多目的ホール" in results.inner_text()
    assert "黒髪地域コミュニティセンター" in results.inner_text()
    assert "和室" not in results.inner_text()  # 20 people: too small
    check(page, screenshot, "search", viewport)

    # Its month, then its week; the week's free block is booked by keyboard.
    page.get_by_role("link", name=re.compile(r"^多目的ホールの\s*空き状況$")).click()
    page.wait_for_url(f"**/facilities/rooms/{hall.pk}/?month=*")
    expect(page.get_by_role("heading", level=2, name=f"{day.year}年{day.month}月")).to_be_visible()
    check(page, screenshot, "month", viewport)
    page.get_by_role("link", name=re.compile(rf"^{day_label}（.）\s*空き 3\/3$")).click()
    page.wait_for_url(f"**/facilities/rooms/{hall.pk}/week/?from={day.isoformat()}")
    check(page, screenshot, "week", viewport)
    book_link = page.get_by_role("link", name=re.compile(rf"^{day_label}（.） 午後を\s*予約する$"))
    book_link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/facilities/rooms/{hall.pk}/book/?date={day.isoformat()}&block=afternoon")
    assert field(page, "利用日").input_value() == day.isoformat()
    assert page.get_by_role("checkbox", name=re.compile("^午後")).is_checked()
    check(page, screenshot, "book", viewport)

    # Too many people: the booking's own refusal is shown on the form, nothing is written.
    page.get_by_role("checkbox", name=re.compile("^夜間")).check()
    # The group she represents is already chosen, with its 減免: leaving it alone keeps the 減免.
    chosen = field(page, "予約する団体").locator("option:checked")
    expect(chosen).to_have_text("白川一丁目自治会（自治会・使用料の減免 50%）")
    field(page, "利用目的").fill("自治会の総会")
    field(page, "利用人数").fill("100")
    page.get_by_role("button", name="確認画面へ進む").click()
    assert "多目的ホールの定員は80人です" in page.get_by_role("alert").inner_text()
    check(page, screenshot, "book-refused", viewport)
    field(page, "利用人数").fill("60")
    page.get_by_role("button", name="確認画面へ進む").click()

    # The review: the fee, the 自治会's 50% 減免 and what to pay, before anything is written.
    assert page.get_by_role("heading", level=1).inner_text() == "予約内容の確認"
    fee = page.locator(".fee-table").inner_text()
    assert "1,500円 × 2区分" in fee and "3,000" in fee and "−1,500" in fee
    assert "管理者の承認が必要" in page.get_by_role("main").inner_text()
    assert not Reservation.objects.filter(room=hall).exists()
    check(page, screenshot, "review", viewport)
    page.get_by_role("button", name="この内容で申し込む").click()
    page.wait_for_url("**/facilities/bookings/*/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("予約は管理者の承認を待っています")
    booking = Reservation.objects.get(room=hall)
    assert (booking.status, booking.fee_yen, booking.exemption_yen) == ("pending", 3000, 1500)
    check(page, screenshot, "booked-pending", viewport)
    log_out(page)

    # The manager approves it, books on behalf of a caller and prints the day sheet.
    log_in(page, site, "kanri")
    page.get_by_role("link", name="施設予約").first.click()
    page.get_by_role("link", name="センターの管理").click()
    page.wait_for_url("**/facilities/manage/")
    check(page, screenshot, "manage", viewport)
    page.get_by_role("button", name=re.compile(r"白川一丁目自治会の.*承認する$")).click()
    page.wait_for_url("**/facilities/manage/")
    assert "承認しました" in page.get_by_role("status").inner_text()
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    assert mail.outbox[-1].to == ["hanako@example.jp"]

    page.get_by_role("link", name=re.compile("白川地域コミュニティセンターの\\s*代理予約")).click()
    field(page, "予約する方のお名前").fill("阿蘇 太郎")
    field(page, "連絡先電話番号").fill("０９６－１１１－２２２２")
    page.get_by_label("センターと同じ区にお住まい").check()
    field(page, "部屋").select_option(label="和室（定員20人）")
    field(page, "利用日").fill(day.isoformat())
    page.get_by_role("checkbox", name=re.compile("^午前")).check()
    field(page, "利用目的").fill("囲碁の会")
    field(page, "利用人数").fill("4")
    check(page, screenshot, "on-behalf", viewport)
    page.get_by_role("button", name="確認画面へ進む").click()
    assert "600" in page.locator(".fee-table").inner_text()
    check(page, screenshot, "on-behalf-review", viewport)
    page.get_by_role("button", name="予約を確定する").click()
    page.wait_for_url("**/facilities/bookings/*/")
    caller = Reservation.objects.get(holder_name="阿蘇 太郎")
    assert (caller.status, caller.on_behalf, caller.holder_phone) == ("confirmed", True, "096-111-2222")
    check(page, screenshot, "on-behalf-done", viewport)

    page.goto(f"{site}/facilities/manage/centres/{centres['centre'].pk}/?date={day.isoformat()}")
    check(page, screenshot, "manage-centre", viewport)
    page.get_by_role("link", name="この日の日報（印刷用）").click()
    sheet = page.locator(".sheet").inner_text()
    assert "白川一丁目自治会" in sheet and "阿蘇 太郎" in sheet and "096-111-2222" in sheet
    check(page, screenshot, "day-sheet", viewport)
    page.emulate_media(media="print")
    screenshot(f"booking-day-sheet-print-{viewport}")
    page.emulate_media(media="screen")
    log_out(page)

    # The resident sees the hall confirmed, prints its approval, and cancels the other booking.
    log_in(page, site, "hanako@example.jp")
    page.goto(site + "/facilities/mine/")
    mine = page.get_by_role("main").inner_text()
    assert "確定" in mine and "取消は" in mine
    check(page, screenshot, "mine", viewport)
    page.get_by_role("link", name=re.compile(rf"^{day_label}（.） 午後・夜間$")).click()
    page.get_by_role("link", name="利用承認書を表示・印刷する").click()
    assert page.get_by_role("heading", level=1).inner_text() == "施設利用承認書（使用料明細）"
    check(page, screenshot, "receipt", viewport)
    page.emulate_media(media="print")
    screenshot(f"booking-receipt-print-{viewport}")
    page.emulate_media(media="screen")

    page.goto(site + "/facilities/mine/")
    other = centres["other"]
    page.get_by_role(
        "link", name=re.compile(rf"{other.date.month}月{other.date.day}日 和室の予約を\s*取り消す")
    ).click()
    check(page, screenshot, "cancel", viewport)
    page.get_by_role("button", name="予約を取り消す").click()
    page.wait_for_url("**/facilities/mine/")
    assert "取り消しました" in page.get_by_role("status").inner_text()
    other.refresh_from_db()
    assert other.status == "cancelled"
    check(page, screenshot, "mine-cancelled", viewport)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_other_pages_read_well_and_pass_axe(page, screenshot, site, viewport, centres):
    """The centre's rules, a month with closures and holidays, a busy week, a decline with its error."""
    page.set_viewport_size(VIEWPORTS[viewport])
    centre, hall, day = centres["centre"], centres["hall"], centres["day"]
    centre.resident_head_start_days = 7
    centre.group_monthly_cap = 4
    centre.save()
    ClosedDay.objects.create(centre=centre, date=day + datetime.timedelta(days=2), reason="館内点検")
    resident = centres["other"].holder
    pending = actions.book(actor=resident, room=hall, date=day, block_codes=["morning"], purpose="総会")
    actions.book(actor=resident, room=hall, date=day + datetime.timedelta(days=1), block_codes=["evening"])

    page.goto(f"{site}/facilities/centres/{centre.pk}/")
    assert (
        "中央区にお住まいの方（区役所の窓口で住所を確認済みの方）と中央区の団体は7日早く"
        in page.get_by_role("main").inner_text()
    )
    check(page, screenshot, "centre", viewport)

    january = add_months(timezone.localdate(), 12 - timezone.localdate().month + 1)
    page.goto(f"{site}/facilities/rooms/{hall.pk}/?month={january:%Y-%m}")
    assert "成人の日" in page.get_by_role("main").inner_text()
    check(page, screenshot, "month-january", viewport)

    page.goto(f"{site}/facilities/rooms/{hall.pk}/week/?from={day.isoformat()}")
    week = page.get_by_role("main").inner_text()
    assert "予約済み" in week and "休館：館内点検" in week
    check(page, screenshot, "week-busy", viewport)

    log_in(page, site, "kanri")
    page.goto(f"{site}/facilities/manage/bookings/{pending.pk}/decline/")
    page.get_by_role("button", name="不承認にする").click()
    assert "不承認の理由を入力してください" in page.get_by_role("alert").inner_text()
    check(page, screenshot, "decline-error", viewport)
    field(page, "不承認の理由").fill("当日はセンターの行事で使用します")
    page.get_by_role("button", name="不承認にする").click()
    page.wait_for_url("**/facilities/manage/")
    pending.refresh_from_db()
    assert pending.status == "declined"
