"""Recording to the audit log. Called by every write action, inside its transaction.

`record` writes one entry (`record_all` many, made by `audit_entry`, in one statement);
`audited_save` is the one "lock, check scope, validate, save, record" that every action saving
a single row goes through.
"""

from collections.abc import Callable, Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction

from machi.accounts.actors import Actor, actor_label, actor_user
from machi.audit.models import AuditEntry
from machi.core.errors import Refused


def record(
    *, actor: Actor, action: str, obj, before: dict | None, after: dict | None, ward=None
) -> AuditEntry:
    """Write one entry; `ward` (a ward or its id) where the object's own is not the one whose staff browse it."""
    entry = audit_entry(actor=actor, action=action, obj=obj, before=before, after=after)
    if ward is not None:
        entry.ward_id = getattr(ward, "pk", ward)
    entry.save()
    return entry


def record_all(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Write many entries made by `audit_entry` at once, in their order: an action that writes rows in bulk."""
    return AuditEntry.objects.bulk_create(entries)


def audit_entry(*, actor: Actor, action: str, obj, before: dict | None, after: dict | None) -> AuditEntry:
    """The entry `record` writes, not yet written."""
    return AuditEntry(
        ward_id=ward_id_of(obj),
        actor=actor_user(actor),
        actor_label=actor_label(actor),
        action=action,
        object_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        before=before,
        after=after,
    )


def audited_save(
    *,
    actor: Actor,
    obj,
    action: str,
    scope: Callable[[Actor, object], None],
    fields: Iterable[str] | None = None,
    snapshot: Callable[[object], dict] | None = None,
    prepare: Callable[[object, object | None], None] | None = None,
    exclude: Iterable[str] | None = None,
    update_fields: Iterable[str] | None = None,
    duplicate: str | None = None,
    ward=None,
):
    """Create or change one row, the one way every action does it; returns the row.

    Inside one transaction: the stored row (if any) is locked (`select_for_update`), so two
    editors queue; `scope(actor, row)` is asked of the stored row and of the new one, so
    moving a row to another ward needs scope on both; `prepare(obj, stored)` runs the action's
    own rules (refusing with a `Refused`) and brings the new row in line with the stored one
    (`stored` is None for a new row); `full_clean` validates (minus `exclude`); the row is
    saved (only `update_fields`, where the row holds what other actions own); and the audit
    entry keeps before and after (the `fields` given, or the row's `snapshot`, or every
    concrete field), written only when something changed. With `duplicate`, the database's
    unique constraints decide, and a row they refuse is a `Refused` with that message. `ward`
    files the entry under that ward where the row has none of its own (a person).
    `scope` raises `NotAllowed`; `prepare` and `full_clean` raise a `ValidationError`;
    either way nothing is written.
    """
    if snapshot is None:
        names = tuple(fields) if fields is not None else None
        snapshot = (lambda row: _named_fields(row, names)) if names is not None else concrete_fields
    model = type(obj)
    with transaction.atomic():
        stored = None
        if obj.pk is not None:
            stored = model._default_manager.select_for_update().filter(pk=obj.pk).first()
        if stored is not None:
            scope(actor, stored)
        scope(actor, obj)
        if prepare is not None:
            prepare(obj, stored)
        before = None if stored is None else snapshot(stored)
        obj.full_clean(
            exclude=list(exclude) if exclude else None,
            validate_unique=duplicate is None,
            validate_constraints=duplicate is None,
        )
        save = {"update_fields": list(update_fields)} if stored is not None and update_fields else {}
        try:
            with transaction.atomic():
                obj.save(**save)
        except IntegrityError:
            if duplicate is None:
                raise
            raise Refused(duplicate, code="duplicate") from None
        after = snapshot(obj)
        if after != before:
            record(actor=actor, action=action, obj=obj, before=before, after=after, ward=ward)
    return obj


def concrete_fields(obj) -> dict:
    """Every concrete field of a row but its id, as the audit log keeps it."""
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname != "id"}


def _named_fields(obj, names) -> dict:
    return {name: getattr(obj, name) for name in names}


def ward_id_of(obj) -> int | None:
    """The ward an object belongs to: itself, or through its ward, programme, project, centre or room.

    Known by its label, not by importing the ledger: the audit log sits below the ledger.
    """
    meta = getattr(obj, "_meta", None)
    if meta is not None and meta.label == "ledger.Ward":
        return obj.pk
    paths = (
        "ward_id",
        "programme.ward_id",
        "project.programme.ward_id",
        "centre.ward_id",
        "room.centre.ward_id",
        "lottery.centre.ward_id",
    )
    for path in paths:
        target = obj
        for part in path.split("."):
            target = getattr(target, part, None)
            if target is None:
                break
        if target is not None:
            return target
    return None


def record_view(
    *, actor: Actor, action: str, obj, people: Iterable = (), ward=None, detail: dict | None = None
) -> AuditEntry:
    """Record that staff were shown people's personal data: who looked, at what, whose, when.

    A page or a download that shows staff a person's name, phone or address calls this once
    per showing. The entry names the people by id only (`after["people"]`, users' ids;
    `detail` may add other ids, such as groups), never the data shown; `after["kind"]` is
    "view", which tells these entries from changes (their `before` is empty). `ward` is the
    ward whose staff may browse the entry (by default the object's own).
    """
    ids = sorted({getattr(person, "pk", person) for person in people if person is not None})
    after = {"kind": "view", "people": ids, **(detail or {})}
    return record(actor=actor, action=action, obj=obj, before=None, after=after, ward=ward)
