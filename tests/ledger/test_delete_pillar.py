"""Deleting a pillar: staff of its ward only, judged by the stored row; audited; one still holding projects stays."""

import pytest
from django.db.models import ProtectedError

from machi.audit.models import AuditEntry
from machi.core.errors import NotAllowed
from machi.ledger.actions import delete_pillar
from machi.ledger.models import Pillar, Programme, Ward


@pytest.fixture
def empty_pillar(kumamoto):
    programme = Programme.objects.get(ward__name="西区", fiscal_year=2022)
    return Pillar.objects.create(programme=programme, position=99, name="使われていない柱")


def test_staff_of_the_ward_delete_an_empty_pillar_and_it_is_audited(empty_pillar, ward_staff):
    staff = ward_staff("nishi", Ward.objects.get(name="西区"))
    delete_pillar(actor=staff, pillar=empty_pillar)
    assert not Pillar.objects.filter(pk=empty_pillar.pk).exists()
    entry = AuditEntry.objects.get(action="ledger.delete_pillar")
    assert (entry.actor, entry.ward.name, entry.before["name"], entry.after) == (
        staff,
        "西区",
        "使われていない柱",
        None,
    )


def test_the_stored_row_decides_whose_pillar_it_is(empty_pillar, ward_staff):
    staff = ward_staff("higashi", Ward.objects.get(name="東区"))
    empty_pillar.programme = Programme.objects.get(
        ward__name="東区", fiscal_year=2022
    )  # a stale or forged object
    with pytest.raises(NotAllowed, match="西区"):
        delete_pillar(actor=staff, pillar=empty_pillar)
    assert Pillar.objects.filter(pk=empty_pillar.pk).exists()
    assert not AuditEntry.objects.filter(action="ledger.delete_pillar").exists()


def test_a_pillar_still_holding_projects_is_kept(kumamoto, ward_staff):
    staff = ward_staff("nishi", Ward.objects.get(name="西区"))
    pillar = Pillar.objects.filter(programme__ward__name="西区", projects__isnull=False).first()
    with pytest.raises(ProtectedError):
        delete_pillar(actor=staff, pillar=pillar)
    assert Pillar.objects.filter(pk=pillar.pk).exists()
    assert not AuditEntry.objects.filter(action="ledger.delete_pillar").exists()
