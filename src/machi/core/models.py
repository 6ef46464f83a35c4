"""Model bases every app may use.

`AppendOnlyModel`: rows that are a record people audit (the audit log, a figure's history, an
application's history) are written once and never changed or removed. Django offers several
ways to change rows: `save()` on a stored row, `delete()`, and the QuerySet's `update()` and
`delete()` (which bypass the model's own methods). The base refuses every one of them with
`AppendOnlyError`; the database's PROTECT foreign keys keep a cascade from removing them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(RuntimeError):
    """A write that would change or remove an append-only row."""


class AppendOnlyQuerySet(models.QuerySet):
    """A QuerySet whose `update()` and `delete()` refuse: rows are only ever added."""

    def update(self, **kwargs):
        raise AppendOnlyError(_("%(name)sは追記のみです") % {"name": self.model._meta.verbose_name})

    def delete(self):
        raise AppendOnlyError(_("%(name)sは削除できません") % {"name": self.model._meta.verbose_name})

    update.queryset_only = True
    delete.queryset_only = True


class AppendOnlyModel(models.Model):
    """A row written once: `save()` of a stored row and `delete()` refuse, and so does the QuerySet.

    A subclass with its own QuerySet makes it an `AppendOnlyQuerySet`. The messages name the
    model by its verbose_name (監査ログ, 金額の変更履歴, 申請の履歴).
    """

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError(_("%(name)sは追記のみです") % {"name": self._meta.verbose_name})
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(_("%(name)sは削除できません") % {"name": self._meta.verbose_name})
