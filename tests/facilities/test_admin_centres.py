"""Centres and bookings in the admin: scoped to the staff's wards, every save through the audited actions."""

import pytest
from django.forms import BooleanField
from django.urls import reverse
from tests.facilities.conftest import NOW, OPEN_DAY

from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.facilities.actions import book, save_centre
from machi.facilities.models import Centre, Room

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, ward_staff, chuo):
    client.force_login(ward_staff("chuo-staff", chuo))
    return client


@pytest.fixture
def east_centre(higashi):
    return save_centre(actor=SYSTEM, centre=Centre(ward=higashi, name="健軍地域コミュニティセンター"))


def form_data(response, **changes) -> dict:
    """What the browser posts back from the admin page as shown (the inlines too), with some changes."""
    data = {}

    def add(form):
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            if value is None or (isinstance(field, BooleanField) and not value):
                continue
            data[bound.html_name] = "on" if isinstance(field, BooleanField) else str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        for form in formset.forms:
            add(form)
    data.update(changes)
    return data


def change_url(centre) -> str:
    return reverse("admin:facilities_centre_change", args=[centre.pk])


def test_ward_staff_see_and_open_only_their_wards_centres(staff_client, centre, east_centre):
    listing = staff_client.get(reverse("admin:facilities_centre_changelist")).content.decode()
    assert centre.name in listing and east_centre.name not in listing
    assert staff_client.get(change_url(centre)).status_code == 200
    assert staff_client.get(change_url(east_centre)).url == "/admin/"  # not found in their scope


def test_a_room_added_inline_is_saved_through_the_audited_action(staff_client, centre):
    page = staff_client.get(change_url(centre))
    data = form_data(
        page,
        **{
            "rooms-TOTAL_FORMS": "1",
            "rooms-0-centre": str(centre.pk),
            "rooms-0-position": "1",
            "rooms-0-name": "調理室",
            "rooms-0-capacity": "16",
            "rooms-0-equipment": "調理台4台",
            "rooms-0-fee_per_block_yen": "600",
            "rooms-0-requires_approval": "on",
            "rooms-0-max_blocks_per_booking": "2",
        },
    )
    response = staff_client.post(change_url(centre), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""

    room = centre.rooms.get()
    assert (room.name, room.capacity, room.fee_per_block_yen, room.requires_approval) == (
        "調理室",
        16,
        600,
        True,
    )
    entry = AuditEntry.objects.get(action="facilities.save_room", object_id=str(room.pk))
    assert entry.actor.username == "chuo-staff" and entry.ward_id == centre.ward_id


def test_changing_a_centre_saves_through_save_centre(staff_client, centre):
    response = staff_client.post(
        change_url(centre), form_data(staff_client.get(change_url(centre)), name="白川センター")
    )
    assert response.status_code == 302
    centre.refresh_from_db()
    assert centre.name == "白川センター"
    entry = AuditEntry.objects.filter(action="facilities.save_centre", object_id=str(centre.pk)).latest("pk")
    assert entry.after["name"] == "白川センター" and entry.actor.username == "chuo-staff"


def test_a_room_with_bookings_cannot_be_deleted(staff_client, centre, room, resident):
    book(actor=resident, room=room, date=OPEN_DAY, block_codes=["morning"], now=NOW)
    page = staff_client.get(change_url(centre))
    response = staff_client.post(change_url(centre), form_data(page, **{"rooms-0-DELETE": "on"}))
    assert response.status_code == 200  # the form comes back with the reason
    rooms = next(i.formset for i in response.context["inline_admin_formsets"] if i.formset.prefix == "rooms")
    assert "保護された関連オブジェクト" in str(rooms.non_form_errors())
    assert Room.objects.filter(pk=room.pk).exists()
    assert not AuditEntry.objects.filter(action="facilities.delete_room").exists()


def test_a_new_centre_gets_the_default_blocks_and_no_centre_is_deleted_here(admin_client, chuo, centre):
    add = admin_client.get(reverse("admin:facilities_centre_add"))
    assert all(inline.formset.prefix != "blocks" for inline in add.context["inline_admin_formsets"])
    data = form_data(add, ward=str(chuo.pk), name="碩台地域コミュニティセンター")
    assert admin_client.post(reverse("admin:facilities_centre_add"), data).status_code == 302
    new = Centre.objects.get(name="碩台地域コミュニティセンター")
    assert [b.label for b in new.blocks.all()] == ["午前", "午後", "夜間"]
    assert admin_client.get(reverse("admin:facilities_centre_delete", args=[centre.pk])).status_code == 403


def test_the_selected_centres_export_as_the_standard_csv(admin_client, centre):
    response = admin_client.post(
        reverse("admin:facilities_centre_changelist"),
        {"action": "export_standard_csv", "_selected_action": [str(centre.pk)]},
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff都道府県コード又は市区町村コード,NO,") and centre.name in text


def test_bookings_are_read_only_and_change_through_the_booking_actions(
    staff_client, hall, resident, east_centre, outsider
):
    pending = book(actor=resident, room=hall, date=OPEN_DAY, block_codes=["morning"], now=NOW)
    east_room = Room.objects.create(centre=east_centre, name="和室", capacity=10)
    theirs = book(actor=outsider, room=east_room, date=OPEN_DAY, block_codes=["morning"], now=NOW)
    changelist = reverse("admin:facilities_reservation_changelist")

    listing = staff_client.get(changelist).content.decode()
    assert hall.name in listing and "健軍" not in listing
    assert staff_client.get(reverse("admin:facilities_reservation_add")).status_code == 403
    detail = staff_client.get(reverse("admin:facilities_reservation_change", args=[pending.pk]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    other_ward = staff_client.get(reverse("admin:facilities_reservation_change", args=[theirs.pk]))
    assert other_ward.url == "/admin/"  # not found in their scope

    staff_client.post(changelist, {"action": "approve_selected", "_selected_action": [str(pending.pk)]})
    pending.refresh_from_db()
    assert pending.status == "confirmed" and pending.decided_by.username == "chuo-staff"
    assert AuditEntry.objects.filter(action="facilities.approve", object_id=str(pending.pk)).exists()

    # A second approval is refused by the action, and the admin says why instead of failing.
    response = staff_client.post(
        changelist, {"action": "approve_selected", "_selected_action": [str(pending.pk)]}, follow=True
    )
    assert "この予約は「確定」のため、この操作はできません" in response.content.decode()
