"""A ward's programme carried forward to a later year: the same plan, a new 当初予算, nothing else."""

import csv

import pytest
from openpyxl import Workbook

from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.core.errors import Conflict, NotAllowed, Refused
from machi.ledger import actions
from machi.ledger.importers.initial_budget import read_initial_budget
from machi.ledger.importers.rows import LedgerImportError
from machi.ledger.models import FigureChange, Pillar, Programme, Project, Ward


@pytest.fixture
def chuo(kumamoto):
    return Programme.objects.select_related("ward").get(ward__name="中央区", fiscal_year=2022)


def source_projects(programme):
    return {p.no: p for p in Project.objects.filter(programme=programme).prefetch_related("themes")}


def write_xlsx(path, rows, *, header=("No.", "事業名", "当初予算（千円）")):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["令和5年度 中央区 当初予算"])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path.read_bytes()


def write_csv(path, rows, *, header=("No.", "事業名", "当初予算")):
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path.read_bytes()


def nothing_written():
    return (
        not Programme.objects.filter(fiscal_year=2023).exists()
        and not AuditEntry.objects.filter(action="ledger.carry_forward").exists()
    )


def test_the_next_year_gets_the_same_pillars_and_projects_with_the_sheets_initial_budget(chuo, tmp_path):
    projects = source_projects(chuo)
    names = {no: p.name for no, p in projects.items()}
    rows = [(no, names[no], f"{1000 + no:,}") for no in sorted(names)]
    rows[0] = (1, names[1], "１，２００")  # full width, as typed in Excel
    rows[1] = (2, names[2], "―")  # not budgeted
    data = write_xlsx(tmp_path / "budget.xlsx", rows)
    amounts = read_initial_budget(data, "budget.xlsx", projects=names)

    result = actions.carry_forward(
        actor=SYSTEM, programme=chuo, to_year=2023, initial_yen_by_project=amounts, reason="当初予算の表"
    )

    target = Programme.objects.get(ward__name="中央区", fiscal_year=2023)
    assert (target.allocation_yen, target.vision, target.priorities, target.is_demo) == (
        chuo.allocation_yen,
        chuo.vision,
        chuo.priorities,
        False,
    )
    assert list(target.pillars.values_list("name", flat=True)) == list(
        chuo.pillars.values_list("name", flat=True)
    )
    carried = source_projects(target)
    assert set(carried) == set(projects)
    for no, old in projects.items():
        new = carried[no]
        assert (new.name, new.description, new.position, new.pillar.name) == (
            old.name,
            old.description,
            old.position,
            old.pillar.name,
        )
        assert {t.name for t in new.themes.all()} == {t.name for t in old.themes.all()}
        assert new.status == "継続"
        assert (new.revised_yen, new.settled_yen) == (None, None)
    assert carried[1].initial_yen == 1_200_000
    assert carried[2].initial_yen is None
    assert carried[3].initial_yen == 1_003_000
    assert result.figure_changes == len(projects) - 1
    history = FigureChange.objects.get(project=carried[1])
    assert (history.stage, history.old_yen, history.new_yen, history.reason) == (
        "initial",
        None,
        1_200_000,
        "当初予算の表",
    )
    assert not FigureChange.objects.filter(project=carried[2]).exists()
    audited = AuditEntry.objects.filter(action="ledger.carry_forward")
    assert audited.count() == 1 + len(projects)
    assert audited.filter(ward_id=chuo.ward_id).count() == 1 + len(projects)


def test_the_initial_budget_reads_from_a_csv_in_thousand_yen(chuo, tmp_path):
    names = {no: p.name for no, p in source_projects(chuo).items()}
    data = write_csv(tmp_path / "budget.csv", [(1, names[1], "1,500千円"), (14, "", "1720")])

    amounts = read_initial_budget(data, "budget.csv", projects=names)
    actions.carry_forward(actor=SYSTEM, programme=chuo, to_year=2023, initial_yen_by_project=amounts)

    carried = source_projects(Programme.objects.get(ward__name="中央区", fiscal_year=2023))
    assert (carried[1].initial_yen, carried[14].initial_yen, carried[2].initial_yen) == (
        1_500_000,
        1_720_000,
        None,
    )
    assert FigureChange.objects.get(project=carried[1]).reason == "令和4年度からの引継ぎ（当初予算）"


def test_without_amounts_every_initial_budget_is_not_budgeted_never_zero(chuo):
    result = actions.carry_forward(actor=SYSTEM, programme=chuo, to_year=2024)

    assert {p.initial_yen for p in result.projects} == {None}
    assert not Project.objects.filter(programme__fiscal_year=2024).exclude(initial_yen=None).exists()
    assert not FigureChange.objects.filter(project__programme__fiscal_year=2024).exists()


def test_a_sheet_with_a_wrong_name_an_unknown_number_or_a_negative_amount_is_refused_whole(chuo, tmp_path):
    names = {no: p.name for no, p in source_projects(chuo).items()}
    data = write_csv(
        tmp_path / "budget.csv",
        [(1, "別の事業", "100"), (99, "", "100"), (3, names[3], "△100"), (4, names[4], "abc")],
    )
    with pytest.raises(LedgerImportError) as refused:
        read_initial_budget(data, "budget.csv", projects=names)
    messages = [str(p) for p in refused.value.problems]
    assert len(messages) == 4
    assert "No.1 は" in messages[0] and "No.99 の事業は引き継ぐ年度計画にありません" in messages[1]
    assert "マイナス" in messages[2] and "金額を読み取れません" in messages[3]


@pytest.mark.parametrize(
    "arguments, refusal, message",
    [
        ({"to_year": 2022}, Refused, "令和4年度より後の年度"),
        ({"to_year": 2021}, Refused, "令和4年度より後の年度"),
        ({"to_year": 2023, "initial_yen_by_project": {1: -1}}, Refused, "No.1 の当初予算がマイナスです"),
        (
            {"to_year": 2023, "initial_yen_by_project": {1: "1,000"}},
            Refused,
            "金額（円の整数）ではありません",
        ),
        ({"to_year": 2023, "initial_yen_by_project": {1: 1.5}}, Refused, "金額（円の整数）ではありません"),
        (
            {"to_year": 2023, "initial_yen_by_project": {99: 1000}},
            Refused,
            "引き継ぐ年度計画にありません: No.99",
        ),
    ],
)
def test_each_refusal_says_why_and_writes_nothing(chuo, arguments, refusal, message):
    with pytest.raises(refusal, match=message):
        actions.carry_forward(actor=SYSTEM, programme=chuo, **arguments)
    assert nothing_written()


def test_a_year_that_already_has_projects_is_never_overwritten(chuo):
    actions.carry_forward(actor=SYSTEM, programme=chuo, to_year=2023, initial_yen_by_project={1: 1000})
    count = Project.objects.filter(programme__fiscal_year=2023).count()

    with pytest.raises(Conflict, match="令和5年度 中央区の年度計画にはすでに事業があります"):
        actions.carry_forward(actor=SYSTEM, programme=chuo, to_year=2023, initial_yen_by_project={1: 5000})

    assert Project.objects.filter(programme__fiscal_year=2023).count() == count
    assert Project.objects.get(programme__fiscal_year=2023, no=1).initial_yen == 1000


def test_an_empty_programme_of_the_target_year_is_filled_in(chuo):
    Programme.objects.create(ward=chuo.ward, fiscal_year=2023, vision="下書き")

    actions.carry_forward(actor=SYSTEM, programme=chuo, to_year=2023)

    target = Programme.objects.get(ward=chuo.ward, fiscal_year=2023)
    assert target.vision == chuo.vision and target.projects.count() == chuo.projects.count()


def test_staff_of_another_ward_are_refused_and_staff_of_the_ward_may(chuo, ward_staff):
    outsider = ward_staff("higashi", Ward.objects.get(name="東区"))
    with pytest.raises(NotAllowed, match="中央区の年度計画を変更する権限がありません"):
        actions.carry_forward(actor=outsider, programme=chuo, to_year=2023)
    assert nothing_written()

    staff = ward_staff("chuo", chuo.ward)
    actions.carry_forward(actor=staff, programme=chuo, to_year=2023, initial_yen_by_project={1: 1000})
    assert FigureChange.objects.get(project__programme__fiscal_year=2023).changed_by == staff
    assert AuditEntry.objects.filter(action="ledger.carry_forward", actor=staff).exists()


def test_a_preview_shows_what_would_be_created_and_writes_nothing(chuo):
    pillars_before = Pillar.objects.count()

    result = actions.preview_carry_forward(
        actor=SYSTEM, programme=chuo, to_year=2023, initial_yen_by_project={1: 1_000_000}
    )

    assert len(result.projects) == chuo.projects.count()
    assert result.projects[0].initial_yen == 1_000_000
    assert nothing_written() and Pillar.objects.count() == pillars_before
