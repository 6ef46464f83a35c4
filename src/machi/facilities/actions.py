"""Writes to community centres: scoped to the centre's ward and audited."""

from django.db import transaction

from machi.accounts.actions import require_ward
from machi.audit.actions import record
from machi.facilities.models import Centre

CENTRE_FIELDS = ("ward_id", "name", "name_kana")


def save_centre(*, actor, centre: Centre) -> Centre:
    with transaction.atomic():
        stored = Centre.objects.select_for_update().filter(pk=centre.pk).first()
        if stored is not None:
            require_ward(actor, stored.ward, "センター")
        require_ward(actor, centre.ward, "センター")
        before = None if stored is None else {f: getattr(stored, f) for f in CENTRE_FIELDS}
        centre.full_clean()
        centre.save()
        after = {f: getattr(centre, f) for f in CENTRE_FIELDS}
        if after != before:
            record(actor=actor, action="facilities.save_centre", obj=centre, before=before, after=after)
    return centre
