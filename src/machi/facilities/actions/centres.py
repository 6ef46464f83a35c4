"""Centres and their parts (rooms, blocks, closures, 減免): created and changed within the actor's wards, audited."""

import datetime

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from machi.accounts.scope import can_manage_centre, require_centre, require_ward  # noqa: F401  (re-exported)
from machi.audit.actions import audited_save, concrete_fields, record
from machi.core.errors import Refused
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
        created = centre.pk is None or not Centre.objects.filter(pk=centre.pk).exists()
        audited_save(actor=actor, obj=centre, action=audit_action("save", Centre), scope=_in_centre_ward)
        if created and not centre.blocks.exists():
            TimeBlock.objects.bulk_create(default_blocks(centre))
    return centre


BOOKING_WINDOW_FIELDS = (
    "window_months_ahead",
    "window_opens_day",
    "window_opens_time",
    "resident_head_start_days",
)


def set_booking_window(
    *,
    actor,
    centre: Centre,
    window_months_ahead: int,
    window_opens_day: int,
    window_opens_time: datetime.time,
    resident_head_start_days: int,
) -> Centre:
    """Change when first-come booking opens at a centre: how many months ahead, on which day and at
    what time, and the residents' head start. Its managers and its ward's staff may; audited.

    Months already put to lottery keep their lottery's timetable; other months open by the new rule."""
    changed = Centre.objects.get(pk=centre.pk)
    changed.window_months_ahead = window_months_ahead
    changed.window_opens_day = window_opens_day
    changed.window_opens_time = window_opens_time
    changed.resident_head_start_days = resident_head_start_days
    audited_save(
        actor=actor,
        obj=changed,
        action="facilities.set_booking_window",
        scope=lambda actor, row: require_centre(actor, row, pgettext("scope", "予約の受付期間")),
        fields=BOOKING_WINDOW_FIELDS,
        update_fields=BOOKING_WINDOW_FIELDS,
    )
    for name in BOOKING_WINDOW_FIELDS:
        setattr(centre, name, getattr(changed, name))
    return changed


def default_blocks(centre: Centre) -> list[TimeBlock]:
    """A new centre's blocks (午前・午後・夜間), not yet saved: `save_centre`'s and the import's."""
    return [
        TimeBlock(centre=centre, code=code, label=label, starts_at=start, ends_at=end, position=n)
        for n, (code, label, start, end) in enumerate(DEFAULT_BLOCKS, start=1)
    ]


def audit_action(verb: str, model) -> str:
    """The audit log's name for saving or deleting a centre or a part: facilities.save_room, …delete_…"""
    return f"facilities.{verb}_{model._meta.model_name}"


CENTRE_PARTS = (Room, TimeBlock, ClosedDay, FeeExemption)

# Every concrete field of a row, as the audit log keeps it (the name callers know).
model_snapshot = concrete_fields


def save_centre_part(*, actor, obj):
    """Create or change a room, block, closure or 減免 of a centre within the actor's wards; audited."""
    if not isinstance(obj, CENTRE_PARTS):
        raise TypeError(f"not a part of a centre: {obj!r}")
    return audited_save(
        actor=actor,
        obj=obj,
        action=audit_action("save", type(obj)),
        scope=lambda actor, part: _in_centre_ward(actor, part.centre),
    )


def _in_centre_ward(actor, centre) -> None:
    require_ward(actor, centre.ward, pgettext("scope", "センター"))


def delete_centre_part(*, actor, obj) -> None:
    """Remove a room, block, closure or 減免; a room or block that bookings used cannot go."""
    if not isinstance(obj, CENTRE_PARTS):
        raise TypeError(f"not a part of a centre: {obj!r}")
    model = type(obj)
    with transaction.atomic():
        stored = model.objects.select_for_update().filter(pk=obj.pk).first()
        if stored is None:
            return
        _in_centre_ward(actor, stored.centre)
        before = model_snapshot(stored)
        record(
            actor=actor,
            action=audit_action("delete", model),
            obj=stored,
            before=before,
            after=None,
        )
        try:
            with transaction.atomic():
                stored.delete()
        except ProtectedError:
            raise Refused(
                _("「%(part)s」は予約や抽選の記録があるため削除できません（記録を残すため）")
                % {"part": stored},
                code="facilities.part_in_use",
            ) from None
