"""The residents' booking pages through Django's test client: search, centre, month, week, book, mine, cancel.

The pages run on the real clock, so the days are picked relative to today (`bookable_day`:
the 12th of next month, open under the default rules). Query counts are checked with
more bookings than before, so a page that asks once per booking fails.
"""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from tests.facilities.api_support import bookable_day

from machi.accounts.actors import SYSTEM
from machi.accounts.models import CommunityGroup
from machi.facilities import actions
from machi.facilities.models import Centre, ClosedDay, FeeExemption, Reservation, Room
from machi.facilities.queries import add_months, national_holiday

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page's text without tags, spaces folded: what a person reads."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def book(person, room, day, *codes, **fields):
    return actions.book(actor=person, room=room, date=day, block_codes=list(codes), **fields)


def booking_form(day, *codes, step="review", **fields):
    return {
        "date": day.isoformat(),
        "blocks": list(codes),
        "purpose": "体操教室",
        "attendees": 10,
        "step": step,
    } | fields


@pytest.fixture
def kurokami(chuo):
    centre = actions.save_centre(actor=SYSTEM, centre=Centre(ward=chuo, name="黒髪地域コミュニティセンター"))
    return Room.objects.create(centre=centre, name="会議室", capacity=40, fee_per_block_yen=400)


# --- Finding a room --------------------------------------------------------------------------------


def test_the_index_lists_centres_by_ward(client, centre, kurokami, higashi, django_assert_max_num_queries):
    actions.save_centre(actor=SYSTEM, centre=Centre(ward=higashi, name="東部地域コミュニティセンター"))
    with django_assert_max_num_queries(4):
        response = client.get("/facilities/")
    listing = text(response).split("センターの一覧")[1]
    assert response.status_code == 200
    assert listing.index("中央区") < listing.index("黒髪地域コミュニティセンター") < listing.index("東区")
    assert "096-000-0000" in listing and "毎日 9:00〜21:00" in listing


def test_the_search_finds_rooms_free_on_the_day_and_block(
    client, centre, room, hall, kurokami, resident, django_assert_max_num_queries
):
    day = bookable_day()
    book(resident, room, day, "afternoon")
    query = {"ward": centre.ward_id, "date": day.isoformat(), "block": "afternoon", "capacity": 30}
    with django_assert_max_num_queries(9):
        response = client.get("/facilities/", query)
    page = text(response)
    assert f"中央区で{day.year}年{day.month}月{day.day}日" in page and "午後に空いている部屋（2室）" in page
    assert "多目的ホール" in page and "会議室" in page
    assert "和室" not in page  # taken, and too small anyway
    assert (
        f"/facilities/rooms/{hall.pk}/book/?date={day.isoformat()}&amp;block=afternoon"
        in response.content.decode()
    )

    everyone = text(client.get("/facilities/", query | {"capacity": ""}))
    assert "（2室）" in everyone and "和室" not in everyone  # the 和室 is taken that afternoon


def test_the_search_tells_what_is_missing(client, centre):
    response = client.get("/facilities/", {"ward": "", "date": "2027-02-30", "block": "afternoon"})
    page = text(response)
    assert response.status_code == 200
    assert "区を選んでください" in page and "利用日" in page
    assert "空いている部屋（" not in page


def test_the_centre_page_tells_the_booking_rules_in_words(
    client, centre, room, hall, django_assert_max_num_queries
):
    centre.resident_head_start_days = 7
    centre.group_monthly_cap = 4
    centre.save()
    FeeExemption.objects.create(centre=centre, group_kind="jichikai", percent=100)
    FeeExemption.objects.create(centre=centre, group_kind="npo", percent=50)
    closure = ClosedDay.objects.create(centre=centre, date=bookable_day(), reason="館内点検")
    today = timezone.localdate()
    month, opens = add_months(today, 2), today.replace(day=1)
    if timezone.now() >= timezone.make_aware(datetime.datetime.combine(opens, datetime.time(9))):
        month, opens = add_months(month, 1), add_months(opens, 1)  # the next month still to open
    with django_assert_max_num_queries(6):
        response = client.get(f"/facilities/centres/{centre.pk}/")
    page = text(response)
    assert f"たとえば{month.year}年{month.month}月分は{opens.year}年{opens.month}月1日 9:00からです" in page
    assert "利用する月の2か月前の1日 9:00から予約できます" in page
    assert "中央区にお住まいの方（区役所の窓口で住所を確認済みの方）と中央区の団体は7日早く" in page
    assert "取消は利用日の3日前まで" in page
    assert "1つの団体につき1か月4件まで" in page
    assert "自治会 全額免除" in page and "NPO 50％減免" in page
    assert "年末年始（12月29日〜1月3日）" in page
    assert f"{closure.date.year}年{closure.date.month}月{closure.date.day}日" in page and "館内点検" in page
    assert "多目的ホール" in page and "承認が必要" in page and "1,500円" in page


# --- Availability --------------------------------------------------------------------------------------


def test_the_month_counts_free_blocks_and_names_closures_and_holidays(
    client, centre, hall, resident, django_assert_max_num_queries
):
    january = add_months(timezone.localdate(), 12 - timezone.localdate().month + 1)  # the coming January
    adults_day = next(
        january + datetime.timedelta(days=n)
        for n in range(31)
        if national_holiday(january + datetime.timedelta(days=n)) == "成人の日"
    )
    ClosedDay.objects.create(centre=centre, date=january.replace(day=20), reason="選挙の投票所")
    url = f"/facilities/rooms/{hall.pk}/?month={january:%Y-%m}"
    with django_assert_max_num_queries(8) as before:
        page = text(client.get(url))
    assert f"{january.year}年1月" in page
    assert "年末年始の休館日" in page  # 1–3 January
    assert "成人の日" in page  # named although the centre opens on holidays
    assert "休館：選挙の投票所" in page
    assert page.count("空き 3/3") == 31 - 3 - 1

    # More bookings, the same queries.
    for n, code in enumerate(["morning", "afternoon", "evening"]):
        day = adults_day + datetime.timedelta(days=n + 1)
        actions.book(
            actor=SYSTEM, room=hall, date=day, block_codes=[code], holder_name="仮", holder_phone="0"
        )
    with django_assert_max_num_queries(len(before.captured_queries)):
        page = text(client.get(url))
    assert page.count("空き 2/3") == 3


def test_a_month_not_yet_open_says_when_booking_opens(client, hall):
    month = add_months(timezone.localdate(), 4)
    opens = add_months(month, -2)
    page = text(client.get(f"/facilities/rooms/{hall.pk}/?month={month:%Y-%m}"))
    assert (
        f"{month.year}年{month.month}月分の予約の受付は {opens.year}年{opens.month}月1日 9:00 からです"
        in page
    )


def test_the_week_links_each_free_block_to_booking_it(
    client, centre, hall, resident, django_assert_max_num_queries
):
    day = bookable_day()
    book(resident, hall, day, "afternoon")
    ClosedDay.objects.create(centre=centre, date=day + datetime.timedelta(days=1), reason="館内点検")
    url = f"/facilities/rooms/{hall.pk}/week/?from={day.isoformat()}"
    with django_assert_max_num_queries(7) as before:
        response = client.get(url)
    html, page = response.content.decode(), text(response)
    assert f"?date={day.isoformat()}&amp;block=morning" in html
    assert f"?date={day.isoformat()}&amp;block=afternoon" not in html
    assert "予約済み" in page and "休館：館内点検" in page
    assert html.count('class="slot-button"') == 7 * 3 - 1 - 3

    for offset in (2, 3, 4):
        book(resident, hall, day + datetime.timedelta(days=offset), "evening")
    with django_assert_max_num_queries(len(before.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_week_before_booking_opens_shows_free_blocks_without_links(client, hall):
    start = add_months(timezone.localdate(), 3).replace(day=10)
    response = client.get(f"/facilities/rooms/{hall.pk}/week/?from={start.isoformat()}")
    assert 'class="slot-button"' not in response.content.decode()
    assert "空き（受付前）" in text(response) and "受付開始" in text(response)


def test_a_bad_month_or_day_in_the_address_shows_the_current_one(client, hall):
    today = timezone.localdate()
    assert f"{today.year}年{today.month}月" in text(client.get(f"/facilities/rooms/{hall.pk}/?month=2027-13"))
    assert client.get(f"/facilities/rooms/{hall.pk}/week/?from=yesterday").status_code == 200
    assert client.get("/facilities/rooms/99999/").status_code == 404


# --- Booking -----------------------------------------------------------------------------------------------


def test_booking_needs_a_login(client, room):
    response = client.get(f"/facilities/rooms/{room.pk}/book/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_the_review_shows_the_fee_and_exemption_and_writes_nothing(
    client, centre, hall, resident, approved_group, django_capture_on_commit_callbacks
):
    FeeExemption.objects.create(centre=centre, group_kind="jichikai", percent=50)
    client.force_login(resident)
    day = bookable_day()
    form = booking_form(day, "afternoon", "evening", group=approved_group.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(f"/facilities/rooms/{hall.pk}/book/", form)
    page = text(response)
    assert "予約内容の確認" in page
    assert (
        "使用料（1,500円 × 2区分） 3,000" in page and "−1,500" in page and "お支払いいただく額 1,500" in page
    )
    assert "この部屋は管理者の承認が必要です" in page
    assert f"取消は{day.year}年{day.month}月{day.day - 3}日" in page
    assert not Reservation.objects.exists() and callbacks == [] and mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/facilities/rooms/{hall.pk}/book/", form | {"step": "confirm"})
    reservation = Reservation.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/facilities/bookings/{reservation.pk}/"
    assert (reservation.status, reservation.group, reservation.fee_yen, reservation.exemption_yen) == (
        "pending",
        approved_group,
        3000,
        1500,
    )
    assert mail.outbox[-1].to == ["hanako@example.jp"]
    result = text(client.get(response["Location"]))
    assert "予約を申し込みました" in result and "予約は管理者の承認を待っています" in result


def test_editing_from_the_review_returns_the_filled_form(client, room, resident):
    client.force_login(resident)
    response = client.post(
        f"/facilities/rooms/{room.pk}/book/", booking_form(bookable_day(), "morning", step="edit")
    )
    assert "確認画面へ進む" in text(response) and 'value="体操教室"' in response.content.decode()
    assert not Reservation.objects.exists()


@pytest.mark.parametrize(
    ("setup", "codes", "message"),
    [
        ("taken", ["morning"], "すでに予約されています"),
        ("closed", ["morning"], "館内点検です"),
        (None, ["morning", "evening"], "続けて予約できるのは連続した区分だけです"),
        (None, [], "利用区分を選んでください"),
    ],
)
def test_every_refusal_is_shown_on_the_form(client, centre, room, resident, outsider, setup, codes, message):
    day = bookable_day()
    if setup == "taken":
        book(outsider, room, day, "morning")
    if setup == "closed":
        ClosedDay.objects.create(centre=centre, date=day, reason="館内点検")
    client.force_login(resident)
    for step in ("review", "confirm"):
        response = client.post(f"/facilities/rooms/{room.pk}/book/", booking_form(day, *codes, step=step))
        assert response.status_code == 200
        assert "入力内容を確認してください" in text(response) and message in text(response)
    assert Reservation.objects.filter(holder=resident).count() == 0


def test_a_month_not_yet_open_is_refused_with_the_opening_time(client, room, resident):
    day = add_months(timezone.localdate(), 3).replace(day=10)
    opens = add_months(day, -2)
    client.force_login(resident)
    page = text(client.post(f"/facilities/rooms/{room.pk}/book/", booking_form(day, "morning")))
    assert f"予約受付は{opens.year}年{opens.month}月1日 09:00からです" in page


def test_only_the_persons_approved_groups_are_offered(
    client, room, resident, outsider, manager, approved_group, chuo
):
    CommunityGroup.objects.create(name="審査中の会", kind="circle", ward=chuo, representative=resident)
    CommunityGroup.objects.create(
        name="よその会", kind="circle", ward=chuo, representative=outsider, status="approved"
    )
    client.force_login(resident)
    page = text(client.get(f"/facilities/rooms/{room.pk}/book/"))
    assert "白川一丁目自治会" in page and "審査中の会" not in page and "よその会" not in page

    # Someone in no approved group is not asked about groups at all.
    client.force_login(manager)
    assert "予約する団体" not in text(client.get(f"/facilities/rooms/{room.pk}/book/"))

    # A group that is not theirs, forged into the form, is refused and nothing is written.
    client.force_login(resident)
    other = CommunityGroup.objects.get(name="よその会")
    response = client.post(
        f"/facilities/rooms/{room.pk}/book/", booking_form(bookable_day(), "morning", group=other.pk)
    )
    assert "選択したものは候補にありません" in text(response)
    assert not Reservation.objects.exists()


def test_the_booking_form_is_prefilled_from_the_week(client, room, resident):
    client.force_login(resident)
    day = bookable_day()
    html = client.get(
        f"/facilities/rooms/{room.pk}/book/?date={day.isoformat()}&block=evening"
    ).content.decode()
    assert f'value="{day.isoformat()}"' in html
    assert re.search(r'value="evening"[^>]*checked', html)


# --- My bookings, the receipt, cancelling -----------------------------------------------------------------


def test_my_bookings_upcoming_and_past_with_the_cancel_deadline(
    client, room, hall, resident, outsider, django_assert_max_num_queries
):
    day = bookable_day()
    book(resident, room, day, "morning", purpose="書道")
    book(outsider, room, day, "afternoon")
    past_day = timezone.localdate() - datetime.timedelta(days=40)
    past = book(resident, room, past_day, "evening", now=timezone.now() - datetime.timedelta(days=60))
    client.force_login(resident)
    with django_assert_max_num_queries(9) as before:
        page = text(client.get("/facilities/mine/"))
    assert "これからの予約（1件）" in page
    deadline = day - datetime.timedelta(days=3)
    assert f"取消は{deadline.month}月{deadline.day}日" in page
    assert f"{past_day.year}年{past_day.month}月{past_day.day}日" in page and past.receipt_number not in page

    for offset in (1, 2, 3):
        book(resident, hall, day + datetime.timedelta(days=offset), "evening")
    with django_assert_max_num_queries(len(before.captured_queries)):
        assert "これからの予約（4件）" in text(client.get("/facilities/mine/"))


def test_after_the_deadline_the_page_says_to_call_the_centre(client, room, resident):
    day = timezone.localdate() + datetime.timedelta(days=1)
    room.centre.closed_year_end = False
    room.centre.save()
    reservation = book(resident, room, day, "evening")
    client.force_login(resident)
    assert "白川地域コミュニティセンター（096-000-0000）へお電話ください" in text(
        client.get("/facilities/mine/")
    )
    page = text(client.get(f"/facilities/bookings/{reservation.pk}/cancel/"))
    assert "お電話ください" in page and "予約を取り消す" not in page
    response = client.post(f"/facilities/bookings/{reservation.pk}/cancel/", {"reason": ""})
    assert "取消の期限" in text(response)
    reservation.refresh_from_db()
    assert reservation.status == "confirmed"


def test_the_holder_cancels_before_the_deadline(client, room, resident, django_capture_on_commit_callbacks):
    reservation = book(resident, room, bookable_day(), "morning")
    client.force_login(resident)
    assert "予約を取り消す" in text(client.get(f"/facilities/bookings/{reservation.pk}/cancel/"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/facilities/bookings/{reservation.pk}/cancel/", {"reason": "都合により"})
    assert response.status_code == 302 and response["Location"] == "/facilities/mine/"
    reservation.refresh_from_db()
    assert (reservation.status, reservation.cancel_reason) == ("cancelled", "都合により")
    assert "ご予約を取り消しました" in mail.outbox[-1].body
    assert "和室の予約を取り消しました" in text(client.get("/facilities/mine/"))


def test_the_cancel_page_does_not_follow_a_next_address_elsewhere(client, room, resident):
    reservation = book(resident, room, bookable_day(), "morning")
    client.force_login(resident)
    response = client.post(
        f"/facilities/bookings/{reservation.pk}/cancel/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/facilities/mine/"


def test_the_booking_and_its_receipt(client, centre, hall, resident, approved_group, manager):
    FeeExemption.objects.create(centre=centre, group_kind="jichikai", percent=50)
    reservation = book(resident, hall, bookable_day(), "morning", group=approved_group, attendees=30)
    client.force_login(resident)
    receipt = text(client.get(f"/facilities/bookings/{reservation.pk}/receipt/"))
    assert "施設利用申込書（控）" in receipt and "この書面は利用承認書ではありません" in receipt
    actions.approve(actor=manager, reservation=reservation)
    receipt = text(client.get(f"/facilities/bookings/{reservation.pk}/receipt/"))
    assert "施設利用承認書（使用料明細）" in receipt
    assert reservation.receipt_number in receipt and "白川一丁目自治会 様" in receipt
    assert "1,500" in receipt and "−750" in receipt and "お支払いいただく額 750" in receipt
    assert "利用区分 午前 時間 9:00〜12:00" in receipt


@pytest.mark.parametrize("path", ["", "receipt/", "cancel/"])
def test_someone_elses_booking_does_not_exist_for_them(client, room, resident, outsider, path):
    reservation = book(resident, room, bookable_day(), "morning")
    client.force_login(outsider)
    assert client.get(f"/facilities/bookings/{reservation.pk}/{path}").status_code == 404
    assert client.post(f"/facilities/bookings/{reservation.pk}/cancel/").status_code == 404
    reservation.refresh_from_db()
    assert reservation.status == "confirmed"


def test_a_lottery_win_to_confirm_links_to_the_entry(client, centre, room, resident):
    from machi.facilities.models import Lottery

    reservation = book(resident, room, bookable_day(), "morning")
    now = timezone.now()
    lottery = Lottery.objects.create(
        centre=centre,
        month=reservation.date.replace(day=1),
        applications_open_at=now - datetime.timedelta(days=10),
        applications_close_at=now - datetime.timedelta(days=5),
        draw_at=now - datetime.timedelta(days=4),
        confirm_by=now + datetime.timedelta(days=3),
        first_come_opens_at=now + datetime.timedelta(days=4),
        seed="0" * 64,
        seed_digest="1" * 64,
    )
    Reservation.objects.filter(pk=reservation.pk).update(
        status="won", lottery=lottery, confirm_by=lottery.confirm_by
    )
    client.force_login(resident)
    for path in ("/facilities/mine/", f"/facilities/bookings/{reservation.pk}/"):
        response = client.get(path)
        assert "抽選に当選しました" in text(response)
        assert f'href="/facilities/lotteries/{lottery.pk}/entry/"' in response.content.decode()


def test_the_pages_render_in_english_too(client, settings, centre, room, resident):
    reservation = book(resident, room, bookable_day(), "morning")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(resident)
    for path in (
        "/facilities/",
        f"/facilities/centres/{centre.pk}/",
        f"/facilities/rooms/{room.pk}/",
        f"/facilities/rooms/{room.pk}/week/",
        f"/facilities/rooms/{room.pk}/book/",
        "/facilities/mine/",
        f"/facilities/bookings/{reservation.pk}/receipt/",
    ):
        response = client.get(path)
        assert response.status_code == 200 and '<html lang="en">' in response.content.decode()
