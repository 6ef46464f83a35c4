"""Recording to the audit log. Called by every write action, inside its transaction."""

from django.contrib.contenttypes.models import ContentType

from machi.accounts.actors import Actor, actor_label, actor_user
from machi.audit.models import AuditEntry


def record(*, actor: Actor, action: str, obj, before: dict | None, after: dict | None) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor_user(actor),
        actor_label=actor_label(actor),
        action=action,
        object_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        before=before,
        after=after,
    )


def snapshot(obj, fields) -> dict:
    """The named fields of an object, as JSON-ready values (foreign keys by id)."""
    return {name: getattr(obj, name) for name in fields}
