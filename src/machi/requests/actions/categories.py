"""Categories of residents' requests written from a file (`machi requests import-categories`).

All or nothing: the file is read and checked whole first (`machi.requests.importers`), then every
row is written in one transaction, each ward's rows only by its staff (or the command line). A
category is found by its ward and code: new ones are created, changed ones updated (each change
audited with before and after), unchanged ones left alone, so running the same file again changes
nothing. A dry run does the same and rolls it back.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from machi.accounts.scope import require_ward
from machi.audit.actions import record
from machi.requests.importers import read_categories
from machi.requests.models import Category

FIELDS = ("name", "group", "description", "public", "target_days", "fund", "active")


@dataclass
class CategoryImport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    dry_run: bool = False

    def summary(self) -> str:
        done = "確認しました（書き込んでいません）" if self.dry_run else "取り込みました"
        return (
            f"課題の種類を{done}: 新規 {len(self.created)} 件、更新 {len(self.updated)} 件、"
            f"変更なし {self.unchanged} 件"
        )


def _snapshot(category: Category) -> dict:
    return {name: getattr(category, f"{name}_id" if name == "fund" else name) for name in FIELDS}


def import_categories(*, actor, data: bytes, source: str, dry_run: bool = False) -> CategoryImport:
    rows = read_categories(data, source)
    report = CategoryImport(dry_run=dry_run)
    with transaction.atomic():
        for ward in {row.ward.pk: row.ward for row in rows}.values():
            require_ward(actor, ward, _("課題の種類"))
        existing = {
            (c.ward_id, c.code): c
            for c in Category.objects.select_for_update().filter(ward__in=[r.ward for r in rows])
        }
        for row in rows:
            label = f"{row.ward.name} {row.code} {row.fields['name']}"
            category = existing.get((row.ward.pk, row.code))
            if category is None:
                category = Category.objects.create(ward=row.ward, code=row.code, **row.fields)
                record(
                    actor=actor,
                    action="requests.create_category",
                    obj=category,
                    before=None,
                    after=_snapshot(category),
                )
                report.created.append(label)
                continue
            before = _snapshot(category)
            for name, value in row.fields.items():
                setattr(category, name, value)
            after = _snapshot(category)
            if before == after:
                report.unchanged += 1
                continue
            category.save()
            record(actor=actor, action="requests.change_category", obj=category, before=before, after=after)
            report.updated.append(label)
        if dry_run:
            transaction.set_rollback(True)
    return report
