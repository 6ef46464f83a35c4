"""Centres and their parts (rooms, blocks, closures, 減免): created and changed within the actor's wards, audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from machi.accounts.actions import NotAllowed, require_ward
from machi.accounts.actors import SystemActor
from machi.accounts.queries import managed_centre_ids
from machi.audit.actions import record
from machi.facilities.models import (
    DEFAULT_BLOCKS,
    Centre,
    ClosedDay,
    FeeExemption,
    Room,
    TimeBlock,
)

# --- Centres ---------------------------------------------------------------------------


def save_centre(*, actor, centre: Centre) -> Centre:
    """Create or change a centre; a new centre gets the default blocks (午前・午後・夜間)."""
    with transaction.atomic():
        stored = Centre.objects.select_for_update().filter(pk=centre.pk).first()
        if stored is not None:
            require_ward(actor, stored.ward, "センター")
        require_ward(actor, centre.ward, "センター")
        before = None if stored is None else model_snapshot(stored)
        centre.full_clean()
        centre.save()
        if stored is None and not centre.blocks.exists():
            TimeBlock.objects.bulk_create(
                TimeBlock(centre=centre, code=code, label=label, starts_at=start, ends_at=end, position=n)
                for n, (code, label, start, end) in enumerate(DEFAULT_BLOCKS, start=1)
            )
        after = model_snapshot(centre)
        if after != before:
            record(actor=actor, action="facilities.save_centre", obj=centre, before=before, after=after)
    return centre


def can_manage_centre(actor, centre) -> bool:
    if isinstance(actor, SystemActor):
        return True
    centres = managed_centre_ids(actor)
    return centres is None or centre.pk in centres


def require_centre(actor, centre, what: str = "予約") -> None:
    if not can_manage_centre(actor, centre):
        raise NotAllowed(f"{centre.name}の{what}を扱う権限がありません")


CENTRE_PARTS = (Room, TimeBlock, ClosedDay, FeeExemption)


def model_snapshot(obj) -> dict:
    """Every concrete field of a row, as the audit log keeps it."""
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname != "id"}


def save_centre_part(*, actor, obj):
    """Create or change a room, block, closure or 減免 of a centre within the actor's wards; audited."""
    if not isinstance(obj, CENTRE_PARTS):
        raise TypeError(f"not a part of a centre: {obj!r}")
    model = type(obj)
    with transaction.atomic():
        stored = model.objects.select_for_update().filter(pk=obj.pk).first() if obj.pk else None
        if stored is not None:
            require_ward(actor, stored.centre.ward, "センター")
        require_ward(actor, obj.centre.ward, "センター")
        before = None if stored is None else model_snapshot(stored)
        obj.full_clean()
        obj.save()
        after = model_snapshot(obj)
        if after != before:
            action = f"facilities.save_{model._meta.model_name}"
            record(actor=actor, action=action, obj=obj, before=before, after=after)
    return obj


def delete_centre_part(*, actor, obj) -> None:
    """Remove a room, block, closure or 減免; a room or block that bookings used cannot go."""
    if not isinstance(obj, CENTRE_PARTS):
        raise TypeError(f"not a part of a centre: {obj!r}")
    model = type(obj)
    with transaction.atomic():
        stored = model.objects.select_for_update().filter(pk=obj.pk).first()
        if stored is None:
            return
        require_ward(actor, stored.centre.ward, "センター")
        before = model_snapshot(stored)
        record(
            actor=actor,
            action=f"facilities.delete_{model._meta.model_name}",
            obj=stored,
            before=before,
            after=None,
        )
        try:
            with transaction.atomic():
                stored.delete()
        except ProtectedError:
            raise ValidationError(
                f"「{stored}」は予約や抽選の記録があるため削除できません（記録を残すため）"
            ) from None
