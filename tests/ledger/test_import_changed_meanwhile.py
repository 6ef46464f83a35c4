"""An import is planned from the ledger as it stands, then written: a change in between refuses it whole.

Between the plan (read without the write lock) and the short transaction that writes it, another
writer may change what the plan relied on. The import then answers 409 and writes nothing; the other
writer's change stands. A dry run is the plan alone: it only reads.
"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.ledger import actions
from machi.ledger.actions import imports
from machi.ledger.actions.imports import LedgerChangedDuringImport
from machi.ledger.importers import import_path
from machi.ledger.models import FigureChange, Pillar, Programme, Project, Ward

HEADER = "fiscal_year,ward_code,ward,pillar,no,name,status,description,initial,revised,settled\n"
SEED = HEADER + (
    "2022,431010,中央区,地域活動,1,デジタル化実証実験事業,新規,オンライン予約,1000,1800,1798\n"
    "2022,431010,中央区,その他,12,企業資源活用によるまちづくり事業,,マッチング,―,―,―\n"
    "2022,431010,中央区,その他,14,地域コミュニティづくり支援補助金,,補助金,3100,1720,1567\n"
)
# Renumbers two projects, changes a figure, adds a project under a new pillar, a new year and a new ward.
CHANGED = HEADER + (
    "2022,431010,中央区,地域活動,1,デジタル化実証実験事業,新規,オンライン予約,1000,1800,1700\n"
    "2022,431010,中央区,その他,14,企業資源活用によるまちづくり事業,,マッチング,―,―,―\n"
    "2022,431010,中央区,その他,12,地域コミュニティづくり支援補助金,,補助金,3100,1720,1567\n"
    "2022,431010,中央区,防災,20,防災マップづくり,新規,地図,500,500,480\n"
    "2023,431010,中央区,地域活動,1,デジタル化実証実験事業,継続,オンライン予約,900,900,―\n"
    "2022,431028,東区,柱,1,東区の事業,,説明,1,1,1\n"
)


def write(tmp_path, text: str, name: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def ledger_state():
    return (
        list(Ward.objects.order_by("code").values_list("code", "name")),
        list(
            Programme.objects.order_by("ward__code", "fiscal_year").values_list("ward__code", "fiscal_year")
        ),
        list(Pillar.objects.order_by("id").values_list("programme_id", "name", "position")),
        list(
            Project.objects.order_by("id").values_list(
                "programme_id", "pillar_id", "no", "name", "initial_yen", "revised_yen", "settled_yen"
            )
        ),
        list(FigureChange.objects.order_by("id").values_list("project_id", "stage", "new_yen", "reason")),
        list(AuditEntry.objects.order_by("id").values_list("action", "object_id", "after")),
    )


def central_2022():
    return Programme.objects.get(ward__code="431010", fiscal_year=2022)


def a_figure_is_changed():
    project = Project.objects.get(name="デジタル化実証実験事業", programme=central_2022())
    actions.set_figures(project, actor=SYSTEM, reason="決算の訂正", settled_yen=1_750_000)


def a_project_is_renamed():
    project = Project.objects.get(no=12, programme=central_2022())
    project.name = "企業資源活用事業"
    project.save()


def a_project_without_history_is_deleted():
    Project.objects.filter(no=12, programme=central_2022()).delete()


def a_project_is_added():
    Project.objects.create(programme=central_2022(), no=30, name="別の人が加えた事業")


def the_new_pillar_is_added():
    Pillar.objects.create(programme=central_2022(), name="防災", position=3)


def the_new_year_is_added():
    Programme.objects.create(ward=Ward.objects.get(code="431010"), fiscal_year=2023)


def the_new_ward_is_added():
    Ward.objects.create(code="431028", name="東区")


def a_ward_is_renamed():
    Ward.objects.filter(code="431010").update(name="中央")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        a_figure_is_changed,
        a_project_is_renamed,
        a_project_without_history_is_deleted,
        a_project_is_added,
        the_new_pillar_is_added,
        the_new_year_is_added,
        the_new_ward_is_added,
        a_ward_is_renamed,
    ],
)
def test_a_change_between_planning_and_writing_refuses_the_import_and_writes_nothing(
    tmp_path, monkeypatch, change
):
    import_path(write(tmp_path, SEED, "seed.csv"), actor=SYSTEM)
    write_plan = imports._write
    meanwhile = {}

    def another_writer_first(plan, *, actor):
        change()
        meanwhile["state"] = ledger_state()
        write_plan(plan, actor=actor)

    monkeypatch.setattr(imports, "_write", another_writer_first)
    with pytest.raises(LedgerChangedDuringImport) as refused:
        import_path(write(tmp_path, CHANGED, "changed.csv"), actor=SYSTEM)
    assert refused.value.status == 409
    assert refused.value.messages == ["取り込みの準備中に台帳が変更されました。もう一度取り込んでください"]
    assert ledger_state() == meanwhile["state"], "the other writer's change stands, and nothing of the import"


@pytest.mark.django_db
def test_without_a_change_in_between_the_same_import_is_written(tmp_path):
    import_path(write(tmp_path, SEED, "seed.csv"), actor=SYSTEM)
    report = import_path(write(tmp_path, CHANGED, "changed.csv"), actor=SYSTEM)
    assert (report.created, report.updated, report.unchanged, report.figure_changes) == (3, 3, 0, 15)
    assert dict(Project.objects.filter(programme=central_2022()).values_list("name", "no")) == {
        "デジタル化実証実験事業": 1,
        "企業資源活用によるまちづくり事業": 14,
        "地域コミュニティづくり支援補助金": 12,
        "防災マップづくり": 20,
    }
    assert Ward.objects.get(code="431028").name == "東区"


@pytest.mark.django_db
def test_a_dry_run_only_reads_and_reports_what_the_import_then_does(tmp_path):
    import_path(write(tmp_path, SEED, "seed.csv"), actor=SYSTEM)
    before = ledger_state()
    changed = write(tmp_path, CHANGED, "changed.csv")
    with CaptureQueriesContext(connection) as queries:
        dry = import_path(changed, dry_run=True, actor=SYSTEM)
    statements = [q["sql"].lstrip().split(None, 1)[0].upper() for q in queries.captured_queries]
    assert statements and set(statements) == {"SELECT"}, "no transaction, no savepoint, no write"
    assert ledger_state() == before
    real = import_path(changed, actor=SYSTEM)
    assert (dry.created, dry.updated, dry.unchanged, dry.figure_changes, dry.lines, dry.warnings) == (
        real.created,
        real.updated,
        real.unchanged,
        real.figure_changes,
        real.lines,
        real.warnings,
    )


@pytest.mark.django_db
def test_the_command_line_says_the_ledger_changed_and_nothing_was_written(tmp_path, monkeypatch):
    import_path(write(tmp_path, SEED, "seed.csv"), actor=SYSTEM)
    write_plan = imports._write

    def another_writer_first(plan, *, actor):
        a_figure_is_changed()
        write_plan(plan, actor=actor)

    monkeypatch.setattr(imports, "_write", another_writer_first)
    with pytest.raises(CommandError, match=r"台帳が変更されました.*何も書き込んでいません"):
        call_command("ledger", "import", str(write(tmp_path, CHANGED, "changed.csv")), stdout=StringIO())


def test_the_refusal_speaks_english_when_asked():
    with translation.override("en"):
        message = imports._changed().messages[0]
    assert "changed" in message and "again" in message
