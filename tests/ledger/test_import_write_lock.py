"""On SQLite an import leaves the write lock free while it prepares, and a dry run never takes it.

SQLite has one write lock for the whole database (IMMEDIATE transactions take it at BEGIN), so an
import holding it while it reads and compares thousands of rows makes every booking and login wait.
These tests run the import in this process against a SQLite file of its own (`own_sqlite_file`),
with a second connection holding or probing the lock, and a lock timeout of a fraction of a second
instead of 20 s: an import that waited for the lock fails at once instead of slowly.
"""

import shutil

import pytest
from django.db import OperationalError, connection
from tests.sqlite_lock import write_lock_held, write_lock_is_free

from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.ledger.actions import imports
from machi.ledger.importers import import_path
from machi.ledger.models import FigureChange, Project

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="one write lock for the whole database is SQLite's alone"
)

HEADER = "fiscal_year,ward_code,ward,pillar,no,name,status,description,initial,revised,settled\n"
ROWS = "".join(f"2022,431010,中央区,柱{n % 3},{n},事業{n},,説明,{n}000,{n}100,{n}050\n" for n in range(1, 41))


def write(tmp_path, text: str, name: str):
    path = tmp_path / name
    path.write_text(HEADER + text, encoding="utf-8")
    return path


def ledger_state():
    return (
        list(Project.objects.order_by("id").values_list("name", "initial_yen", "revised_yen", "settled_yen")),
        FigureChange.objects.count(),
        AuditEntry.objects.count(),
    )


def test_a_dry_run_succeeds_while_another_connection_holds_the_write_lock(own_sqlite_file, tmp_path):
    import_path(write(tmp_path, ROWS, "first.csv"), actor=SYSTEM)
    before = ledger_state()
    changed = write(tmp_path, ROWS.replace(",1050\n", ",999\n"), "changed.csv")
    with write_lock_held(own_sqlite_file):
        report = import_path(changed, dry_run=True, actor=SYSTEM)
    assert report.dry_run and (report.updated, report.unchanged, report.figure_changes) == (1, 39, 1)
    assert ledger_state() == before


def test_an_import_prepares_without_the_write_lock_and_takes_it_only_to_write(
    own_sqlite_file, tmp_path, monkeypatch
):
    import_path(write(tmp_path, ROWS, "first.csv"), actor=SYSTEM)
    changed = write(
        tmp_path, ROWS.replace(",1050\n", ",999\n") + ROWS.replace("2022,", "2023,"), "changed.csv"
    )
    seen = []
    plan, write_plan, check = imports._plan, imports._write, imports._check_unchanged

    def planning_under_a_held_lock(*args, **kwargs):
        # The whole plan is made while another connection holds the write lock: it needs none.
        with write_lock_held(own_sqlite_file):
            made = plan(*args, **kwargs)
        seen.append(("planned, lock free after", write_lock_is_free(own_sqlite_file)))
        return made

    def writing(*args, **kwargs):
        seen.append(("writing, lock free before", write_lock_is_free(own_sqlite_file)))
        write_plan(*args, **kwargs)
        seen.append(("written, lock free after", write_lock_is_free(own_sqlite_file)))

    def checking(*args, **kwargs):
        seen.append(("checking, lock free", write_lock_is_free(own_sqlite_file)))
        check(*args, **kwargs)

    monkeypatch.setattr(imports, "_plan", planning_under_a_held_lock)
    monkeypatch.setattr(imports, "_write", writing)
    monkeypatch.setattr(imports, "_check_unchanged", checking)
    report = import_path(changed, actor=SYSTEM)
    assert (report.created, report.updated, report.figure_changes) == (40, 1, 121)
    assert seen == [
        ("planned, lock free after", True),
        ("writing, lock free before", True),
        ("checking, lock free", False),  # the write transaction holds it, from its check to its commit
        ("written, lock free after", True),
    ]
    assert Project.objects.count() == 80


def test_a_real_import_waits_for_the_write_lock_and_says_the_database_is_busy(own_sqlite_file, tmp_path):
    before = ledger_state()
    with write_lock_held(own_sqlite_file), pytest.raises(OperationalError, match="locked"):
        import_path(write(tmp_path, ROWS, "first.csv"), actor=SYSTEM)
    assert ledger_state() == before


def test_a_dataset_folders_dry_run_takes_no_write_lock_and_reports_what_the_real_run_does(
    own_sqlite_file, tmp_path
):
    from tests.conftest import DATASET

    before = ledger_state()
    with write_lock_held(own_sqlite_file):
        planned = import_path(DATASET, dry_run=True, actor=SYSTEM)
    assert planned.dry_run and ledger_state() == before

    done = import_path(DATASET, actor=SYSTEM)
    assert (planned.created, planned.updated, planned.figure_changes) == (
        done.created,
        done.updated,
        done.figure_changes,
    )
    assert planned.created == Project.objects.count() > 0


def test_a_dataset_folders_dry_run_names_a_theme_without_its_project(own_sqlite_file, tmp_path):
    import json

    from tests.conftest import DATASET

    from machi.ledger.importers import LedgerImportError

    folder = tmp_path / "dataset"
    shutil.copytree(DATASET, folder)
    meta = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
    meta["themes"].append(
        {"ward_code": "431010", "fiscal_year": 2022, "name": "ない事業", "themes": ["防災"]}
    )
    (folder / "dataset.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(LedgerImportError) as caught:
        import_path(folder, dry_run=True, actor=SYSTEM)
    assert [problem.message for problem in caught.value.problems] == [
        "テーマの対象事業がありません: ない事業"
    ]
