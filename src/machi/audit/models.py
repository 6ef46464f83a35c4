"""The audit log: every write action, with its actor, time, object, and the object before and after.

Append-only (`core.models.AppendOnlyModel`), like the ledger's figure history: rows are never
updated or deleted, not even through the QuerySet.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from machi.core.models import AppendOnlyError, AppendOnlyModel, AppendOnlyQuerySet  # noqa: F401  (AppendOnlyError re-exported)


class AuditEntryQuerySet(AppendOnlyQuerySet):
    def for_object(self, obj):
        return self.filter(object_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))

    def by_actor(self, user):
        return self.filter(actor=user)


class AuditEntry(AppendOnlyModel):
    at = models.DateTimeField(_("日時"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("実行者"),
    )
    # The actor as they were named at the time ("system" for the command line run as the operator).
    actor_label = models.CharField(_("実行者名"), max_length=150)
    action = models.CharField(_("操作"), max_length=100, db_index=True)
    object_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("対象の種類"))
    object_id = models.CharField(_("対象ID"), max_length=64)
    object_repr = models.CharField(_("対象"), max_length=300)
    # The ward the object belongs to, where it belongs to one: ward staff browse their wards' entries.
    ward = models.ForeignKey(
        "ledger.Ward", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("区")
    )
    before = models.JSONField(_("変更前"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("変更後"), null=True, blank=True, encoder=DjangoJSONEncoder)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("監査ログ")
        verbose_name_plural = _("監査ログ")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"
