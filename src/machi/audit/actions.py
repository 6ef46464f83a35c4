"""Recording to the audit log. Called by every write action, inside its transaction."""

from django.contrib.contenttypes.models import ContentType

from machi.accounts.actors import Actor, actor_label, actor_user
from machi.audit.models import AuditEntry


def record(*, actor: Actor, action: str, obj, before: dict | None, after: dict | None) -> AuditEntry:
    return AuditEntry.objects.create(
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


def ward_id_of(obj) -> int | None:
    """The ward an object belongs to: itself, or through its ward, programme, project, centre or room."""
    from machi.ledger.models import Ward

    if isinstance(obj, Ward):
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
