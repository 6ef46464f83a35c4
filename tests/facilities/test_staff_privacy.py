"""Staff see what their role needs, and what they are shown of people is audited.

Booking on behalf finds an account only by its address and recorded phone together, and
names nobody before the booking is made; a lookup that finds nothing answers alike whether
or not the address has an account. The group list on behalf holds the centre's ward's
approved groups. Booking as a group one may not book for answers one message, naming no
group. The day's pages, a booking's pages and the grants' lists record who saw whose data.
"""

import re

import pytest
from tests.facilities.api_support import bearer, bookable_day, post

from machi.accounts.models import CommunityGroup, GroupMember
from machi.audit.models import AuditEntry
from machi.facilities import actions
from machi.facilities.models import Reservation

pytestmark = pytest.mark.django_db

NOT_FOUND = (
    "メールアドレスと電話番号が一致する利用者は見つかりませんでした。"
    "アカウントのない方として受け付けるには、お名前と電話番号を入力してください"
)


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def counter_form(room, **fields):
    return {
        "account": "",
        "holder_name": "",
        "holder_phone": "",
        "room": room.pk,
        "date": bookable_day().isoformat(),
        "blocks": ["morning"],
        "purpose": "囲碁の会",
        "attendees": 4,
        "step": "review",
    } | fields


@pytest.fixture
def hanako_phone(resident):
    resident.phone = "096-222-3333"
    resident.save()
    return resident


def views(action: str):
    return list(AuditEntry.objects.filter(action=action))


# --- Booking on behalf: finding the account ------------------------------------------------------------------------


def test_an_account_is_found_by_address_and_phone_and_named_only_once_booked(
    client, centre, room, manager, hanako_phone
):
    client.force_login(manager)
    url = f"/facilities/manage/centres/{centre.pk}/book/"
    typed = {"account": "Hanako@Example.jp", "holder_phone": "０９６－２２２－３３３３"}
    review = text(client.post(url, counter_form(room, **typed)))
    assert "登録済みの利用者（メールと電話番号が一致）" in review
    assert "熊本花子" not in review and "hanako" not in review.replace("Hanako@Example.jp", "")

    client.post(url, counter_form(room, step="confirm", **typed))
    booking = Reservation.objects.get()
    assert (booking.holder, booking.holder_phone) == (hanako_phone, "096-222-3333")
    page = text(client.get(f"/facilities/manage/centres/{centre.pk}/sheet/?date={booking.date}"))
    assert "熊本花子 電話：096-222-3333" in page
    lookups = views("facilities.find_holder")
    assert lookups and all(
        e.after == {"kind": "view", "people": [hanako_phone.pk], "found": True} for e in lookups
    )


@pytest.mark.parametrize(
    "typed",
    [
        {"account": "nobody@example.jp", "holder_phone": "096-222-3333"},  # no such address
        {"account": "hanako@example.jp", "holder_phone": "096-999-9999"},  # her address, not her phone
        {"account": "hanako", "holder_phone": "096-222-3333"},  # a username finds nobody
    ],
)
def test_a_lookup_that_finds_nothing_answers_alike(client, centre, room, manager, hanako_phone, typed):
    client.force_login(manager)
    page = text(client.post(f"/facilities/manage/centres/{centre.pk}/book/", counter_form(room, **typed)))
    assert NOT_FOUND in page and "熊本花子" not in page
    assert not Reservation.objects.exists()
    assert [e.after for e in views("facilities.find_holder")] == [
        {"kind": "view", "people": [], "found": False}
    ]


def test_an_account_without_a_recorded_phone_is_not_found_by_its_address(
    client, centre, room, manager, resident
):
    client.force_login(manager)
    form = counter_form(room, account="hanako@example.jp", holder_phone="096-222-3333")
    assert NOT_FOUND in text(client.post(f"/facilities/manage/centres/{centre.pk}/book/", form))


def test_the_day_sheet_shows_only_the_phone_given_for_the_booking(
    client, centre, room, manager, hanako_phone
):
    day = bookable_day()
    actions.book(actor=hanako_phone, room=room, date=day, block_codes=["morning"])
    client.force_login(manager)
    sheet = text(client.get(f"/facilities/manage/centres/{centre.pk}/sheet/?date={day}"))
    day_page = text(client.get(f"/facilities/manage/centres/{centre.pk}/?date={day}"))
    assert "熊本花子" in sheet and "熊本花子" in day_page
    assert "096-222-3333" not in sheet and "096-222-3333" not in day_page


# --- Groups ------------------------------------------------------------------------------------------------------


def test_on_behalf_offers_only_the_centre_wards_approved_groups(
    client, centre, room, manager, approved_group, outsider, higashi, resident
):
    other_ward = CommunityGroup.objects.create(
        name="東町内会", kind="jichikai", ward=higashi, representative=outsider, status="approved"
    )
    pending = CommunityGroup.objects.create(
        name="白川二丁目準備会", kind="circle", ward=centre.ward, representative=resident
    )
    client.force_login(manager)
    page = text(client.get(f"/facilities/manage/centres/{centre.pk}/book/"))
    assert "白川一丁目自治会" in page
    assert "東町内会" not in page and "白川二丁目準備会" not in page
    for group in (other_ward, pending):
        form = counter_form(room, step="confirm", holder_name="阿蘇 太郎", holder_phone="096-111-2222")
        answer = text(
            client.post(f"/facilities/manage/centres/{centre.pk}/book/", form | {"group": group.pk})
        )
        assert "選択したものは候補にありません" in answer and group.name not in answer
    with pytest.raises(Exception, match="この団体としては予約できません"):
        actions.book(
            actor=manager,
            room=room,
            date=bookable_day(),
            block_codes=["morning"],
            group=other_ward,
            holder_name="阿蘇 太郎",
            holder_phone="096-111-2222",
        )
    assert not Reservation.objects.exists()


def test_booking_as_a_group_one_may_not_answers_alike_and_names_no_group(
    room, resident, outsider, approved_group, higashi
):
    pending = CommunityGroup.objects.create(
        name="秘密の準備会", kind="circle", ward=higashi, representative=resident
    )
    answers = []
    for group_id in (approved_group.pk, pending.pk, 987654):
        body = {"room": room.pk, "date": f"{bookable_day()}", "blocks": ["morning"], "group": group_id}
        answer = post(bearer(outsider), "/api/reservations", body)
        answers.append((answer.status_code, answer.json()))
    assert answers == [(403, {"detail": "この団体としては予約できません", "code": "booking.group"})] * 3
    assert not Reservation.objects.exists()


def test_a_member_hears_why_their_own_group_may_not_book(room, resident, approved_group):
    CommunityGroup.objects.filter(pk=approved_group.pk).update(status="pending")
    body = {"room": room.pk, "date": f"{bookable_day()}", "blocks": ["morning"], "group": approved_group.pk}
    answer = post(bearer(resident), "/api/reservations", body)
    assert answer.status_code == 400
    assert answer.json()["detail"] == "白川一丁目自治会は区の承認前のため、団体として予約できません"


def test_a_member_of_a_pending_group_is_told_on_the_web_too(client, room, outsider, higashi):
    group = CommunityGroup.objects.create(name="東の会", kind="circle", ward=higashi, representative=outsider)
    GroupMember.objects.create(group=group, name="東次郎", user=outsider)
    with pytest.raises(Exception, match="東の会は区の承認前のため"):
        actions.book(actor=outsider, room=room, date=bookable_day(), block_codes=["morning"], group=group)


# --- What staff are shown is audited --------------------------------------------------------------------


def test_the_day_pages_and_a_booking_record_whose_data_staff_saw(client, centre, room, manager, resident):
    day = bookable_day()
    booking = actions.book(actor=resident, room=room, date=day, block_codes=["morning"])
    client.force_login(manager)
    client.get(f"/facilities/manage/centres/{centre.pk}/sheet/?date={day}")
    client.get(f"/facilities/manage/centres/{centre.pk}/?date={day}")
    client.get(f"/facilities/bookings/{booking.pk}/")
    client.get(f"/facilities/bookings/{booking.pk}/receipt/")
    seen = {
        (e.action, e.actor_id, e.ward_id, tuple(e.after["people"]), e.before)
        for e in AuditEntry.objects.filter(after__kind="view")
    }
    assert seen == {
        ("facilities.view_day_sheet", manager.pk, centre.ward_id, (resident.pk,), None),
        ("facilities.view_day", manager.pk, centre.ward_id, (resident.pk,), None),
        ("facilities.view_booking", manager.pk, centre.ward_id, (resident.pk,), None),
    }
    assert AuditEntry.objects.filter(action="facilities.view_booking").count() == 2
    assert all(e.after["bookings"] == [booking.pk] for e in views("facilities.view_day_sheet"))


def test_a_holder_looking_at_their_own_booking_is_not_a_staff_view(client, room, resident):
    booking = actions.book(actor=resident, room=room, date=bookable_day(), block_codes=["morning"])
    client.force_login(resident)
    assert client.get(f"/facilities/bookings/{booking.pk}/").status_code == 200
    assert not AuditEntry.objects.filter(after__kind="view").exists()


def test_a_booking_opened_in_the_admin_is_recorded_too(client, chuo, room, resident, ward_staff):
    booking = actions.book(actor=resident, room=room, date=bookable_day(), block_codes=["morning"])
    staff = ward_staff("chuo-staff", chuo)
    client.force_login(staff)
    assert client.get(f"/admin/facilities/reservation/{booking.pk}/change/").status_code == 200
    [seen] = views("facilities.view_booking")
    assert (seen.actor, seen.object_id, seen.after) == (
        staff,
        str(booking.pk),
        {"kind": "view", "people": [resident.pk], "page": "admin"},
    )
