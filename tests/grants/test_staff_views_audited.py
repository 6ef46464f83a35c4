"""Staff opening an application or downloading a programme's lists leave an audit entry: who saw whose data."""

import pytest
from django.urls import reverse

from machi.audit.models import AuditEntry


def viewed(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


def test_staff_opening_an_application_is_recorded(client, staff, submitted, applicant, group):
    client.force_login(staff)
    assert client.get(reverse("grants:manage_application", args=[submitted.pk])).status_code == 200
    [entry] = viewed("grants.view_application")
    assert (entry.actor, entry.ward_id, entry.object_id, entry.before) == (
        staff,
        submitted.programme.ward_id,
        str(submitted.pk),
        None,
    )
    assert entry.after == {"kind": "view", "people": [applicant.pk], "groups": [group.pk]}


@pytest.mark.parametrize("what", ["applications", "payments"])
def test_downloading_a_programme_s_list_is_recorded(client, staff, submitted, programme, applicant, what):
    client.force_login(staff)
    assert client.get(reverse(f"grants:{what}-xlsx", args=[programme.pk])).status_code == 200
    [entry] = viewed(f"grants.export_{what}")
    assert (entry.actor, entry.ward_id, entry.object_id) == (staff, programme.ward_id, str(programme.pk))
    assert entry.after["kind"] == "view" and entry.after["people"] == [applicant.pk]
    assert entry.after["applications"] == [submitted.pk]


def test_a_refused_download_records_nothing(client, submitted, programme, other_staff):
    client.force_login(other_staff)
    assert client.get(reverse("grants:applications-xlsx", args=[programme.pk])).status_code == 404
    assert not AuditEntry.objects.filter(after__kind="view").exists()
