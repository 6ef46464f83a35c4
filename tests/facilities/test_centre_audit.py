"""A centre's every detail is audited when it changes, and a new centre gets the default blocks."""

import datetime

import pytest

from machi.accounts.actions import NotAllowed
from machi.audit.models import AuditEntry
from machi.facilities.actions import save_centre

pytestmark = pytest.mark.django_db


def test_a_new_centre_gets_morning_afternoon_and_evening(centre):
    blocks = [(b.code, b.label, b.starts_at, b.ends_at) for b in centre.blocks.all()]
    assert blocks == [
        ("morning", "午前", datetime.time(9), datetime.time(12)),
        ("afternoon", "午後", datetime.time(13), datetime.time(17)),
        ("evening", "夜間", datetime.time(18), datetime.time(21)),
    ]


def test_changing_the_phone_and_hours_is_audited_with_before_and_after(centre, ward_staff, chuo):
    staff = ward_staff("tanaka", chuo)
    centre.phone = "096-111-1111"
    centre.closes_at = datetime.time(22, 0)
    save_centre(actor=staff, centre=centre)
    entry = AuditEntry.objects.filter(action="facilities.save_centre").latest("id")
    assert entry.actor == staff and entry.ward_id == chuo.pk
    assert (entry.before["phone"], entry.after["phone"]) == ("096-000-0000", "096-111-1111")
    assert (entry.before["closes_at"], entry.after["closes_at"]) == ("21:00:00", "22:00:00")


def test_staff_of_another_ward_cannot_change_it(centre, ward_staff, higashi):
    centre.phone = "096-999-9999"
    with pytest.raises(NotAllowed, match="中央区のセンターを変更する権限がありません"):
        save_centre(actor=ward_staff("sato", higashi), centre=centre)
    centre.refresh_from_db()
    assert centre.phone == "096-000-0000"
