"""The shipped dataset, imported once per test session and put back in each test that asks for it.

Importing data/kumamoto-fy2022 through the real importer takes about a second (every row
validated, every figure kept as history, every write audited). Hundreds of tests start from
it, so the session imports it once, keeps every row it wrote, and rolls the import back;
a test that asks for the dataset gets those same rows inserted again in its own transaction,
which rolls back with the test. Tests of the importer itself import for real.

Row ids are kept, so the restored rows are exactly the imported ones. They cannot collide
with rows a test makes: the sequences stay past them (PostgreSQL's sequences ignore the
rollback; SQLite's AUTOINCREMENT counter is moved past them here). Content types are kept by
name, since a test that really commits (transaction=True) flushes and re-creates them.
"""

import copy
from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction


class _Rollback(Exception):
    pass


@dataclass
class DatasetSnapshot:
    report: object
    rows: list[tuple[type, list[dict]]]

    @classmethod
    def take(cls, folder, *, source: str) -> "DatasetSnapshot":
        from machi.accounts.actors import SYSTEM
        from machi.ledger.importers import import_path

        models = [m for m in apps.get_models(include_auto_created=True) if m._meta.managed]
        before = {model: set(model._base_manager.values_list("pk", flat=True)) for model in models}
        try:
            with transaction.atomic():
                report = import_path(folder, source=source, actor=SYSTEM)
                rows = [(model, _new_rows(model, before[model])) for model in models]
                raise _Rollback
        except _Rollback:
            pass
        snapshot = cls(report=report, rows=[(model, found) for model, found in rows if found])
        snapshot._keep_sqlite_counters_past_its_ids()
        return snapshot

    def restore(self):
        from machi.ledger.models import Ward

        if Ward.objects.exists():
            raise RuntimeError(
                "the dataset goes into a database without wards: ask for `kumamoto` before a fixture that makes one"
            )
        # One transaction even where the test commits for real: the foreign keys are checked at its end.
        with transaction.atomic():
            for model, rows in self.rows:
                model._base_manager.bulk_create([model(**_with_content_types(model, row)) for row in rows])
        return copy.deepcopy(self.report)

    def _keep_sqlite_counters_past_its_ids(self) -> None:
        if connection.vendor != "sqlite":
            return
        with connection.cursor() as cursor:
            for model, rows in self.rows:
                table, top = model._meta.db_table, max(row[model._meta.pk.attname] for row in rows)
                cursor.execute("UPDATE sqlite_sequence SET seq = MAX(seq, %s) WHERE name = %s", [top, table])
                if cursor.rowcount == 0:
                    cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, top])


def _content_type_fields(model) -> list:
    return [
        field
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is ContentType
    ]


def _new_rows(model, existing_pks: set) -> list[dict]:
    names = [field.attname for field in model._meta.concrete_fields]
    rows = [
        row for row in model._base_manager.values(*names) if row[model._meta.pk.attname] not in existing_pks
    ]
    for field in _content_type_fields(model):
        for row in rows:
            content_type = ContentType.objects.get_for_id(row[field.attname])
            row[field.attname] = (content_type.app_label, content_type.model)
    return rows


def _with_content_types(model, row: dict) -> dict:
    fields = _content_type_fields(model)
    if not fields:
        return row
    row = dict(row)
    for field in fields:
        app_label, name = row[field.attname]
        row[field.attname] = ContentType.objects.get_by_natural_key(app_label, name).pk
    return row
