"""Staff being shown people's data is recorded as a "view" entry, kept apart from changes in the admin."""

import pytest

from machi.accounts.models import RoleGrant
from machi.audit.actions import record, record_view
from machi.audit.models import AuditEntry
from machi.ledger.models import Ward

pytestmark = pytest.mark.django_db


def test_a_view_names_the_people_by_id_and_its_ward(kumamoto, ward_staff, django_user_model):
    nishi = Ward.objects.get(name="西区")
    staff = ward_staff("nishi", nishi)
    hanako = django_user_model.objects.create_user("hanako", phone="096-222-3333")
    entry = record_view(actor=staff, action="test.view", obj=nishi, people=[hanako, hanako.pk, None])
    assert (entry.actor, entry.ward, entry.before) == (staff, nishi, None)
    assert entry.after == {"kind": "view", "people": [hanako.pk]}
    assert "096" not in str(entry.after)


def test_the_admin_tells_views_from_changes(client, kumamoto, django_user_model):
    nishi = Ward.objects.get(name="西区")
    admin = django_user_model.objects.create_user("city", is_staff=True)
    RoleGrant.objects.create(user=admin, role="city-admin")
    record_view(actor=admin, action="test.looked", obj=nishi, people=[admin])
    record(actor=admin, action="test.changed", obj=nishi, before=None, after={"name": "西区"})
    record(actor=admin, action="test.emptied", obj=nishi, before={"name": "西区"}, after=None)
    client.force_login(admin)
    url = "/admin/audit/auditentry/"

    def listed(kind: str) -> set[str]:
        return {entry.action for entry in client.get(url, {"kind": kind}).context["cl"].result_list}

    assert listed("view") == {"test.looked"}
    assert {"test.changed", "test.emptied"} <= listed("change") and "test.looked" not in listed("change")
    assert AuditEntry.objects.filter(after__kind="view").count() == 1
