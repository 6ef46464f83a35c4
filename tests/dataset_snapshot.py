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
import dataclasses
import types

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models.sql import InsertQuery


class _Rollback(Exception):
    pass


@dataclasses.dataclass
class DatasetSnapshot:
    report: object
    rows: list[tuple[type, list[dict]]]
    _made: list = dataclasses.field(default_factory=list, repr=False)
    _made_for: tuple = (None, None)

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
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in self._statements():
                cursor.execute(statement.sql, statement.params_now())
        return copy.deepcopy(self.report)

    def _statements(self) -> list["_Insert"]:
        """The INSERT statements `bulk_create` would run for the rows, made once per database engine.

        Making them (a model instance per row, each value prepared for the database, the SQL put
        together) is nine tenths of a restore's time, and it comes out the same every time but for
        two kinds of value, put in afresh at each restore: a content type's id (by its name) and an
        `auto_now`/`auto_now_add` field's "now", both as `bulk_create` would write them.
        """
        if self._made_for != (connection.vendor, connection.alias):
            self._made = [
                statement for model, rows in self.rows for statement in _Insert.batches(model, rows)
            ]
            self._made_for = (connection.vendor, connection.alias)
        return self._made

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


@dataclasses.dataclass
class _Insert:
    """One INSERT of a batch of rows, its values prepared; `params_now` fills in what changes per restore."""

    sql: str
    params: list
    width: int  # values per row: the model's columns
    by_column: bool  # PostgreSQL's UNNEST form: an array of values per column
    content_types: list[tuple[int, int, tuple[str, str]]]  # (row, column, the content type's name)
    now: list[tuple[int, int, object]]  # (row, column, the auto_now or auto_now_add field)

    @classmethod
    def batches(cls, model, rows: list[dict]) -> list["_Insert"]:
        fields = list(model._meta.concrete_fields)
        late = {f.attname for f in _content_type_fields(model)}
        stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
        objs = [model(**_with_content_types(model, row)) for row in rows]
        size = connection.ops.bulk_batch_size(fields, objs) or len(objs)
        made = []
        for start in range(0, len(objs), size):
            batch, named = objs[start : start + size], rows[start : start + size]
            query = InsertQuery(model)
            query.insert_values(fields, batch, raw=False)
            [(sql, params)] = query.get_compiler(connection=connection).as_sql()
            params = list(params)
            by_column = (
                len(batch) > 1 and len(params) == len(fields) and all(isinstance(p, list) for p in params)
            )
            assert by_column or len(params) == len(fields) * len(batch), "one placeholder per value"
            made.append(
                cls(
                    sql=sql,
                    params=params,
                    width=len(fields),
                    by_column=by_column,
                    content_types=[
                        (n, j, row[f.attname])
                        for n, row in enumerate(named)
                        for j, f in enumerate(fields)
                        if f.attname in late
                    ],
                    now=[(n, fields.index(f), f) for n in range(len(batch)) for f in stamped],
                )
            )
        return made

    def params_now(self) -> list:
        params = [list(column) for column in self.params] if self.by_column else list(self.params)

        def put(row: int, column: int, value) -> None:
            if self.by_column:
                params[column][row] = value
            else:
                params[row * self.width + column] = value

        for row, column, (app_label, name) in self.content_types:
            put(row, column, ContentType.objects.get_by_natural_key(app_label, name).pk)
        nows: dict = {}
        for row, column, stamped in self.now:
            if stamped not in nows:
                value = stamped.pre_save(types.SimpleNamespace(), add=True)  # what bulk_create writes
                nows[stamped] = stamped.get_db_prep_save(value, connection)
            put(row, column, nows[stamped])
        return params
