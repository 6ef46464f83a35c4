"""The managers' pages through Django's test client: who may see them, approvals, on-behalf bookings, the day sheet.

A centre's manager acts on that centre only; a resident reaches none of these pages;
every refusal is a 403 page or a message, and nothing is written.
"""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from tests.facilities.api_support import bookable_day

from machi.accounts.actors import SYSTEM
from machi.accounts.models import RoleGrant
from machi.facilities import actions
from machi.facilities.models import Centre, FeeExemption, Reservation, Room

pytestmark = pytest.mark.django_db


def text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def book(person, room, day, *codes, **fields):
    return actions.book(actor=person, room=room, date=day, block_codes=list(codes), **fields)


@pytest.fixture
def elsewhere(higashi, django_user_model):
    """Another ward's centre, its room and its manager."""
    centre = actions.save_centre(
        actor=SYSTEM, centre=Centre(ward=higashi, name="東部地域コミュニティセンター")
    )
    room = Room.objects.create(centre=centre, name="集会室", capacity=30, requires_approval=True)
    manager = django_user_model.objects.create_user("tobu", display_name="東部 管理人")
    RoleGrant.objects.create(user=manager, role="centre-manager", centre=centre)
    return {"centre": centre, "room": room, "manager": manager}


def on_behalf_form(room, day, *codes, step="review", **fields):
    return {
        "account": "",
        "holder_name": "阿蘇 太郎",
        "holder_phone": "０９６－１１１－２２２２",
        "room": room.pk,
        "date": day.isoformat(),
        "blocks": list(codes),
        "purpose": "囲碁の会",
        "attendees": 4,
        "step": step,
    } | fields


# --- Who may come in ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/facilities/manage/",
        "/facilities/manage/centres/{centre}/",
        "/facilities/manage/centres/{centre}/book/",
        "/facilities/manage/centres/{centre}/sheet/",
        "/facilities/manage/bookings/{booking}/decline/",
    ],
)
def test_a_resident_reaches_no_manager_page(client, centre, hall, resident, outsider, path):
    booking = book(outsider, hall, bookable_day(), "morning")
    url = path.format(centre=centre.pk, booking=booking.pk)
    assert client.get(url).status_code == 302  # to the login
    client.force_login(resident)
    response = client.get(url)
    assert response.status_code == 403 and "この操作は許可されていません" in text(response)
    for action in ("approve", "no-show", "decline"):
        response = client.post(f"/facilities/manage/bookings/{booking.pk}/{action}/", {"reason": "x"})
        assert response.status_code == 403
    booking.refresh_from_db()
    assert booking.status == "pending"


@pytest.mark.parametrize("page", ["", "book/", "sheet/"])
def test_a_manager_cannot_open_another_centres_pages(client, centre, manager, elsewhere, page):
    client.force_login(manager)
    response = client.get(f"/facilities/manage/centres/{elsewhere['centre'].pk}/{page}")
    assert response.status_code == 403 and "東部地域コミュニティセンターを管理する権限がありません" in text(
        response
    )
    assert client.get(f"/facilities/manage/centres/{centre.pk}/{page}").status_code == 200


def test_a_manager_cannot_decide_another_centres_bookings(client, manager, outsider, elsewhere):
    booking = book(outsider, elsewhere["room"], bookable_day(), "morning")
    client.force_login(manager)
    assert client.post(f"/facilities/manage/bookings/{booking.pk}/approve/").status_code == 403
    assert client.get(f"/facilities/manage/bookings/{booking.pk}/decline/").status_code == 403
    assert (
        client.post(f"/facilities/manage/bookings/{booking.pk}/decline/", {"reason": "x"}).status_code == 403
    )
    assert client.get(f"/facilities/bookings/{booking.pk}/").status_code == 404
    assert client.post(f"/facilities/bookings/{booking.pk}/cancel/").status_code == 404
    booking.refresh_from_db()
    assert booking.status == "pending"


def test_ward_staff_manage_their_wards_centres(client, centre, elsewhere, chuo, ward_staff):
    staff = ward_staff("chuo-staff", chuo)
    client.force_login(staff)
    page = text(client.get("/facilities/manage/"))
    assert "白川地域コミュニティセンター" in page and "東部地域コミュニティセンター" not in page
    assert client.get(f"/facilities/manage/centres/{elsewhere['centre'].pk}/").status_code == 403


# --- Approvals -----------------------------------------------------------------------------------------


def test_the_manager_sees_only_their_pending_bookings(
    client, hall, resident, outsider, manager, elsewhere, django_assert_max_num_queries
):
    day = bookable_day()
    book(resident, hall, day, "morning", purpose="総会", attendees=40)
    book(outsider, elsewhere["room"], day, "morning", purpose="よその会議")
    client.force_login(manager)
    with django_assert_max_num_queries(10) as before:
        page = text(client.get("/facilities/manage/"))
    assert "承認を待っている予約（1件）" in page and "総会" in page and "よその会議" not in page

    for code in ("afternoon", "evening"):
        book(outsider, hall, day, code)
    with django_assert_max_num_queries(len(before.captured_queries)):
        assert "承認を待っている予約（3件）" in text(client.get("/facilities/manage/"))


def test_approving_confirms_and_mails_the_holder(
    client, hall, resident, manager, django_capture_on_commit_callbacks
):
    booking = book(resident, hall, bookable_day(), "morning")
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/facilities/manage/bookings/{booking.pk}/approve/")
    assert response.status_code == 302 and response["Location"] == "/facilities/manage/"
    booking.refresh_from_db()
    assert (booking.status, booking.decided_by) == ("confirmed", manager)
    assert "ご予約が確定しました" in mail.outbox[-1].body
    assert "承認しました" in text(client.get("/facilities/manage/"))

    # Twice: the rule's refusal comes back as a message, not a crash.
    client.post(f"/facilities/manage/bookings/{booking.pk}/approve/")
    assert "「確定」のため、この操作はできません" in text(client.get("/facilities/manage/"))


def test_declining_needs_a_reason(client, hall, resident, manager):
    booking = book(resident, hall, bookable_day(), "morning")
    client.force_login(manager)
    assert client.get(f"/facilities/manage/bookings/{booking.pk}/decline/").status_code == 200
    response = client.post(f"/facilities/manage/bookings/{booking.pk}/decline/", {"reason": "  "})
    assert response.status_code == 200 and "不承認の理由を入力してください" in text(response)
    booking.refresh_from_db()
    assert booking.status == "pending"

    response = client.post(
        f"/facilities/manage/bookings/{booking.pk}/decline/",
        {
            "reason": "当日はセンターの行事で使用します",
            "next": f"/facilities/manage/centres/{hall.centre_id}/",
        },
    )
    assert response["Location"] == f"/facilities/manage/centres/{hall.centre_id}/"
    booking.refresh_from_db()
    assert (booking.status, booking.decline_reason) == ("declined", "当日はセンターの行事で使用します")


# --- The day, no-shows, cancelling ---------------------------------------------------------------------------


def test_a_no_show_is_recorded_once_the_booking_has_started(client, centre, room, resident, manager):
    centre.closed_year_end = False
    centre.save()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    started = book(resident, room, yesterday, "morning", now=timezone.now() - datetime.timedelta(days=2))
    later = book(resident, room, bookable_day(), "morning")
    client.force_login(manager)

    page = client.get(
        f"/facilities/manage/centres/{centre.pk}/?date={yesterday.isoformat()}"
    ).content.decode()
    assert f"/facilities/manage/bookings/{started.pk}/no-show/" in page
    page = client.get(
        f"/facilities/manage/centres/{centre.pk}/?date={later.date.isoformat()}"
    ).content.decode()
    assert f"/facilities/manage/bookings/{later.pk}/no-show/" not in page

    client.post(f"/facilities/manage/bookings/{later.pk}/no-show/")
    assert "利用開始の時刻を過ぎてから" in text(client.get("/facilities/manage/"))
    client.post(f"/facilities/manage/bookings/{started.pk}/no-show/")
    started.refresh_from_db()
    later.refresh_from_db()
    assert (started.status, later.status) == ("no_show", "confirmed")


def test_the_manager_cancels_any_booking_at_any_time(client, centre, room, resident, manager):
    centre.closed_year_end = False
    centre.save()
    tomorrow = book(resident, room, timezone.localdate() + datetime.timedelta(days=1), "evening")
    client.force_login(manager)
    page = text(client.get(f"/facilities/bookings/{tomorrow.pk}/cancel/"))
    assert "管理者として取り消します" in page
    back = f"/facilities/manage/centres/{centre.pk}/"
    response = client.post(
        f"/facilities/bookings/{tomorrow.pk}/cancel/", {"reason": "設備の故障", "next": back}
    )
    assert response["Location"] == back
    tomorrow.refresh_from_db()
    assert (tomorrow.status, tomorrow.cancelled_by) == ("cancelled", manager)


def test_the_centres_day_lists_its_bookings_in_few_queries(
    client, centre, room, hall, resident, outsider, manager, django_assert_max_num_queries
):
    day = bookable_day()
    book(resident, room, day, "morning", purpose="書道")
    book(outsider, hall, day + datetime.timedelta(days=3), "evening", purpose="合唱")
    client.force_login(manager)
    url = f"/facilities/manage/centres/{centre.pk}/?date={day.isoformat()}"
    with django_assert_max_num_queries(14) as before:  # the 14th records that staff saw these bookings
        page = text(client.get(url))
    assert "の予約（1件）" in page and "書道" in page and "合唱" in page

    for code in ("afternoon", "evening"):
        book(outsider, room, day, code)
        book(outsider, hall, day + datetime.timedelta(days=4), code)
    with django_assert_max_num_queries(len(before.captured_queries)):
        assert "の予約（3件）" in text(client.get(url))


# --- Bookings on behalf ------------------------------------------------------------------------------------


def test_booking_on_behalf_of_a_caller_without_an_account(
    client, centre, hall, manager, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    day = bookable_day()
    url = f"/facilities/manage/centres/{centre.pk}/book/"
    review = text(client.post(url, on_behalf_form(hall, day, "afternoon", "evening", resident="on")))
    assert "予約内容の確認" in review and "阿蘇 太郎（096-111-2222）" in review
    assert "3,000" in review and "承認が必要です" not in review  # the manager's own booking is confirmed
    assert not Reservation.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, on_behalf_form(hall, day, "afternoon", "evening", step="confirm", resident="on")
        )
    booking = Reservation.objects.get()
    assert response["Location"] == f"/facilities/bookings/{booking.pk}/"
    assert (booking.status, booking.on_behalf, booking.booked_by, booking.holder) == (
        "confirmed",
        True,
        manager,
        None,
    )
    assert (booking.holder_name, booking.holder_phone) == ("阿蘇 太郎", "096-111-2222")
    assert mail.outbox == []  # no address to write to: the counter tells the caller


def test_booking_on_behalf_of_an_account_holder(client, centre, room, manager, resident, approved_group):
    FeeExemption.objects.create(centre=centre, group_kind="jichikai", percent=100)
    resident.phone = "096-222-3333"
    resident.save()
    client.force_login(manager)
    form = on_behalf_form(
        room, bookable_day(), "morning", step="confirm", account="HANAKO@example.jp", group=approved_group.pk
    )
    client.post(
        f"/facilities/manage/centres/{centre.pk}/book/",
        form | {"holder_name": "", "holder_phone": "0962223333"},
    )
    booking = Reservation.objects.get()
    assert (booking.holder, booking.group, booking.on_behalf, booking.exemption_yen) == (
        resident,
        approved_group,
        True,
        600,
    )
    assert booking in Reservation.objects.of_holder(resident)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"account": "nobody@example.jp"}, "メールアドレスと電話番号が一致する利用者は見つかりませんでした"),
        ({"holder_name": ""}, "予約する方のお名前を入力してください"),
        ({"holder_phone": ""}, "連絡先電話番号を入力してください"),
        ({"holder_phone": "電話なし"}, "電話番号は数字とハイフンで入力してください"),
        ({"attendees": 50}, "和室の定員は20人です"),
    ],
)
def test_an_on_behalf_booking_says_what_is_wrong(client, centre, room, manager, fields, message):
    client.force_login(manager)
    response = client.post(
        f"/facilities/manage/centres/{centre.pk}/book/",
        on_behalf_form(room, bookable_day(), "morning") | fields,
    )
    assert response.status_code == 200 and message in text(response)
    assert not Reservation.objects.exists()


def test_an_on_behalf_booking_cannot_pick_another_centres_room(client, centre, manager, elsewhere):
    client.force_login(manager)
    response = client.post(
        f"/facilities/manage/centres/{centre.pk}/book/",
        on_behalf_form(elsewhere["room"], bookable_day(), "morning", step="confirm"),
    )
    assert "選択したものは候補にありません" in text(response)
    assert not Reservation.objects.exists()


# --- The day sheet ----------------------------------------------------------------------------------------------


def test_the_day_sheet_shows_rooms_by_blocks(
    client, centre, room, hall, resident, approved_group, manager, django_assert_max_num_queries
):
    FeeExemption.objects.create(centre=centre, group_kind="jichikai", percent=50)
    day = bookable_day()
    book(resident, hall, day, "afternoon", "evening", group=approved_group, purpose="総会", attendees=60)
    book(manager, room, day, "morning", holder_name="阿蘇 太郎", holder_phone="096-111-2222", purpose="囲碁")
    client.force_login(manager)
    url = f"/facilities/manage/centres/{centre.pk}/sheet/?date={day.isoformat()}"
    with django_assert_max_num_queries(13) as before:  # the 13th records that staff saw these bookings
        response = client.get(url)
    html, page = response.content.decode(), text(response)
    assert f"日報 {day.year}年{day.month}月{day.day}日" in page
    assert "阿蘇 太郎 電話：096-111-2222 時間：9:00〜12:00 目的：囲碁" in page
    assert (
        "白川一丁目自治会 代表：熊本花子 時間：13:00〜17:00、18:00〜21:00 目的：総会 人数：60人"
        " 使用料：1,500円（減免 1,500円） 承認待ち" in page  # 17:00–18:00 is not booked
    )
    assert 'colspan="2" data-label="午後・夜間 13:00〜17:00、18:00〜21:00"' in html  # one booking, two blocks
    assert page.count("空き") == 3 * 2 - 3

    for code in ("afternoon", "evening"):
        book(manager, room, day, code, holder_name="別の方", holder_phone="096-000-1111")
    with django_assert_max_num_queries(len(before.captured_queries)):
        assert text(client.get(url)).count("空き") == 1


def test_the_day_sheet_names_a_closed_day(client, centre, manager):
    client.force_login(manager)
    page = text(client.get(f"/facilities/manage/centres/{centre.pk}/sheet/?date=2027-01-02"))
    assert "この日は休館です（年末年始の休館日）" in page


def test_an_action_s_refusal_is_the_403_page_with_its_reason_in_the_page_s_language(
    client, settings, manager, outsider, elsewhere
):
    """approve() refuses by itself (the view does not check first): NotAllowed reaches the 403 page."""
    booking = book(outsider, elsewhere["room"], bookable_day(), "morning")
    status = booking.status
    client.force_login(manager)
    response = client.post(f"/facilities/manage/bookings/{booking.pk}/approve/")
    assert response.status_code == 403
    assert "この操作は許可されていません" in text(response)
    assert "東部地域コミュニティセンターの予約を扱う権限がありません" in text(response)

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(f"/facilities/manage/bookings/{booking.pk}/approve/")
    assert response.status_code == 403 and '<html lang="en">' in response.content.decode()
    assert "You cannot do this" in text(response)
    assert "You do not have permission to handle bookings at 東部地域コミュニティセンター" in text(response)
    booking.refresh_from_db()
    assert booking.status == status
