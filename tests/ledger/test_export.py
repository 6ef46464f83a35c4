"""Exports: the canonical CSV and the ward-office XLSX, each re-importing to exactly the same ledger."""

import csv
import io
from pathlib import Path

import pytest
from django.db import transaction
from openpyxl import load_workbook
from tests.conftest import DATASET
from tests.ledger.xlsx_factory import counts, make_wards

from machi.accounts.actors import SYSTEM
from machi.ledger.actions import import_ledger
from machi.ledger.exporters.csv_export import export_csv
from machi.ledger.exporters.xlsx_export import NUMBER_FORMAT, export_xlsx
from machi.ledger.importers import import_path
from machi.ledger.importers.csv_reader import read_csv_bytes
from machi.ledger.importers.rows import CANONICAL_COLUMNS
from machi.ledger.models import Pillar, Programme, Project, Ward

pytestmark = pytest.mark.django_db

KUMAMOTO_WARDS = ["中央区", "東区", "西区", "南区", "北区"]


def ledger() -> list[tuple]:
    """Everything an export carries, project by project, in a fixed order."""
    projects = Project.objects.select_related("programme__ward", "pillar")
    rows = [
        (
            p.programme.ward.code,
            p.programme.ward.name,
            p.programme.fiscal_year,
            p.pillar.name if p.pillar else "",
            p.no,
            p.name,
            p.status,
            p.description,
            p.initial_yen,
            p.revised_yen,
            p.settled_yen,
        )
        for p in projects
    ]
    return sorted(rows, key=lambda r: (r[0], r[2], r[4] or 0, r[5]))


def pillar_order() -> dict[tuple[str, int], list[str]]:
    """Each programme's pillars that have projects, in their order."""
    order: dict[tuple[str, int], list[str]] = {}
    for pillar in Pillar.objects.filter(projects__isnull=False).distinct().select_related("programme__ward"):
        order.setdefault((pillar.programme.ward.code, pillar.programme.fiscal_year), []).append(
            (pillar.position, pillar.name)
        )
    return {key: [name for _, name in sorted(value)] for key, value in order.items()}


def csv_text(**options) -> str:
    stream = io.StringIO()
    export_csv(stream, fiscal_year=2022, **options)
    return stream.getvalue()


def small_ledger(csv_body: str) -> None:
    make_wards()
    header = ",".join(CANONICAL_COLUMNS) + "\n"
    result = read_csv_bytes((header + csv_body).encode(), "small.csv")
    assert not result.problems, result.problems
    import_ledger(result.rows, source="small.csv", actor=SYSTEM)


# -- the CSV


def test_the_csv_has_the_canonical_header_and_amounts_in_thousands(kumamoto):
    rows = list(csv.reader(io.StringIO(csv_text())))

    assert rows[0] == list(CANONICAL_COLUMNS)
    assert len(rows) == 1 + 73
    assert rows[1][:5] == ["2022", "431010", "中央区", "地域活動の負担軽減", "1"]
    assert rows[1][6] == "新規"
    assert rows[1][8:] == ["1000", "1800", "1798"]


def test_a_figure_that_is_not_budgeted_is_an_empty_field_not_zero(kumamoto):
    rows = {(r["ward"], r["no"]): r for r in csv.DictReader(io.StringIO(csv_text()))}

    assert [rows["中央区", "12"][k] for k in ("initial", "revised", "settled")] == ["", "", ""]


@pytest.mark.parametrize("ward", ["南区", "431044"])
def test_it_writes_one_ward_named_by_name_or_code(kumamoto, ward):
    stream = io.StringIO()

    count = export_csv(stream, fiscal_year=2022, ward=ward)

    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert count == len(rows) == 18
    assert {r["ward"] for r in rows} == {"南区"}


def test_a_year_without_programmes_is_only_the_header(kumamoto):
    stream = io.StringIO()

    assert export_csv(stream, fiscal_year=2030) == 0
    assert stream.getvalue() == ",".join(CANONICAL_COLUMNS) + "\r\n"


def test_a_binary_stream_gets_utf8_and_a_bom_on_request(kumamoto):
    plain, with_bom = io.BytesIO(), io.BytesIO()

    export_csv(plain, fiscal_year=2022, ward="中央区")
    export_csv(with_bom, fiscal_year=2022, ward="中央区", bom=True)

    assert plain.getvalue().decode("utf-8").startswith("fiscal_year,")
    assert with_bom.getvalue() == "\ufeff".encode() + plain.getvalue()
    assert not plain.closed


def test_a_figure_that_is_not_whole_thousands_is_written_exactly(tmp_path):
    small_ledger("2022,431010,中央区,,1,端数のある事業,,,1234.5,1000.001,\n")

    row = next(csv.DictReader(io.StringIO(csv_text())))

    assert (row["initial"], row["revised"], row["settled"]) == ("1234.5", "1000.001", "")


def test_text_that_starts_like_a_formula_is_escaped(tmp_path):
    small_ledger("2022,431010,中央区,'-柱-,1,'=1+1事業,,'@説明,1000,1000,1000\n")

    row = next(csv.DictReader(io.StringIO(csv_text())))

    assert (row["pillar"], row["name"], row["description"]) == ("'-柱-", "'=1+1事業", "'@説明")
    assert Project.objects.get().name == "=1+1事業"


# -- the XLSX


def kumamoto_workbook(tmp_path, **options):
    path = tmp_path / "kumamoto.xlsx"
    export_xlsx(path, fiscal_year=2022, **options)
    return load_workbook(path)


def test_the_xlsx_has_one_sheet_per_ward_in_the_ward_office_layout(kumamoto, tmp_path):
    workbook = kumamoto_workbook(tmp_path)

    assert workbook.sheetnames == KUMAMOTO_WARDS
    sheet = workbook["中央区"]
    assert sheet["A1"].value == "令和4年度 中央区まちづくり推進経費"
    assert sheet["G2"].value == "（単位：千円）"
    assert [c.value for c in sheet[3]] == [
        "№",
        "区分",
        "事業名",
        "事業内容",
        "当初予算",
        "2月補正後",
        "決算額",
    ]
    assert all(c.font.bold for c in sheet[3])


def test_each_pillar_has_its_heading_and_subtotal_and_the_sheet_its_total(kumamoto, tmp_path):
    sheet = kumamoto_workbook(tmp_path, ward="南区")["南区"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]

    assert rows[0][:3] == [None, None, "人材の育成によるまちづくり"]
    assert rows[1][:3] == [1, None, "新たなまちづくり人材育成事業"]
    assert rows[3][2:3] + rows[3][4:] == ["小計", 3000, 3000, 565]
    assert rows[-1][2:3] + rows[-1][4:] == ["合計", 19000, 16379, 15293]
    assert (
        sum(1 for r in rows if r[2] == "小計") == Pillar.objects.filter(programme__ward__name="南区").count()
    )


def test_amount_cells_carry_their_number_format_and_none_is_a_dash(kumamoto, tmp_path):
    sheet = kumamoto_workbook(tmp_path, ward="中央区")["中央区"]
    by_no = {row[0].value: row for row in sheet.iter_rows(min_row=4)}

    assert by_no[1][4].value == 1000 and by_no[1][4].number_format == NUMBER_FORMAT
    assert [c.value for c in by_no[12][4:7]] == ["―", "―", "―"]


def test_no_cell_holds_a_formula(kumamoto, tmp_path):
    workbook = kumamoto_workbook(tmp_path)

    assert not [c.coordinate for s in workbook for row in s.iter_rows() for c in row if c.data_type == "f"]


def test_the_sheet_is_set_up_for_reading_and_printing(kumamoto, tmp_path):
    sheet = kumamoto_workbook(tmp_path, ward="東区")["東区"]

    assert sheet.freeze_panes == "A4"
    assert (sheet.page_setup.orientation, int(sheet.page_setup.paperSize)) == ("landscape", 9)  # A4
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.column_dimensions["D"].width > sheet.column_dimensions["A"].width
    assert sheet["D5"].alignment.wrap_text


def test_a_ward_with_figures_below_a_thousand_yen_is_written_in_yen(tmp_path):
    small_ledger(
        "2022,431010,中央区,柱,1,端数のある事業,,,1234.5,1000,999.999\n2022,431010,中央区,柱,2,二,,,1,,\n"
    )
    path = tmp_path / "yen.xlsx"
    export_xlsx(path, fiscal_year=2022)
    sheet = load_workbook(path)["中央区"]

    assert sheet["G2"].value == "（単位：円）"
    assert [c.value for c in sheet[5]][4:] == [1_234_500, 1_000_000, 999_999]
    assert not import_path(path, actor=SYSTEM).changed_anything


def test_it_refuses_to_write_a_year_without_programmes(kumamoto, tmp_path):
    with pytest.raises(ValueError, match="令和12年度の事業計画がありません"):
        export_xlsx(tmp_path / "none.xlsx", fiscal_year=2030)


# -- round trips


@pytest.mark.parametrize("ward", KUMAMOTO_WARDS)
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_re_importing_a_wards_export_changes_nothing(kumamoto, tmp_path, ward, suffix):
    before, state = counts(), ledger()
    path = tmp_path / f"{ward}{suffix}"
    if suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as stream:
            export_csv(stream, fiscal_year=2022, ward=ward)
    else:
        export_xlsx(path, fiscal_year=2022, ward=ward)

    report = import_path(path, actor=SYSTEM)

    assert not report.changed_anything, report.lines
    assert report.unchanged == Project.objects.filter(programme__ward__name=ward).count()
    assert (counts(), ledger()) == (before, state)


@pytest.mark.parametrize("encoding", ["cp932", "utf-8-sig"])
def test_a_csv_saved_again_in_shift_jis_or_with_a_bom_re_imports_unchanged(kumamoto, tmp_path, encoding):
    state = ledger()
    path = tmp_path / "ledger.csv"
    path.write_bytes(csv_text().encode(encoding))

    report = import_path(path, actor=SYSTEM)

    assert not report.changed_anything
    assert ledger() == state


def exported_kumamoto(tmp_path: Path, suffix: str) -> tuple[list, dict, list, Path]:
    """Import the dataset, record it and export it, then roll it all back: the ledger is empty again."""
    path = tmp_path / f"kumamoto{suffix}"
    with transaction.atomic():
        import_path(DATASET, actor=SYSTEM)
        state, order = ledger(), pillar_order()
        wards = list(Ward.objects.values_list("code", "name"))
        if suffix == ".csv":
            with path.open("w", encoding="utf-8", newline="") as stream:
                export_csv(stream, fiscal_year=2022)
        else:
            export_xlsx(path, fiscal_year=2022)
        transaction.set_rollback(True)
    assert not Programme.objects.exists() and not Ward.objects.exists()
    return state, order, wards, path


def test_the_csv_export_rebuilds_the_whole_ledger_in_an_empty_database(tmp_path):
    state, order, wards, path = exported_kumamoto(tmp_path, ".csv")

    report = import_path(path, actor=SYSTEM)

    assert report.created == 73
    assert ledger() == state
    assert pillar_order() == order
    assert sorted(Ward.objects.values_list("code", "name")) == sorted(wards)


def test_the_xlsx_export_rebuilds_the_whole_ledger_in_an_empty_database(tmp_path):
    state, order, wards, path = exported_kumamoto(tmp_path, ".xlsx")
    for code, name in wards:
        Ward.objects.create(code=code, name=name)

    report = import_path(path, actor=SYSTEM)

    assert report.created == 73
    assert ledger() == state
    assert pillar_order() == order


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_unusual_projects_survive_the_round_trip(tmp_path, suffix):
    # No pillar (written last here), no number, none-figures, text that starts like a formula,
    # a description over several lines, a figure in yen.
    path = tmp_path / f"unusual{suffix}"
    with transaction.atomic():
        small_ledger(
            '2022,431010,中央区,防災,1,\'=防災講座,新規,"一行目\n二行目",700,700,690\n'
            "2022,431010,中央区,防災,,番号のない事業,拡充,'+説明,―,100,\n"
            "2022,431010,中央区,,3,'-柱のない事業,継続,'@説明,1000,1000.5,999\n"
        )
        state, order = ledger(), pillar_order()
        if suffix == ".csv":
            with path.open("w", encoding="utf-8", newline="") as stream:
                export_csv(stream, fiscal_year=2022)
        else:
            export_xlsx(path, fiscal_year=2022)
        assert not import_path(path, actor=SYSTEM).changed_anything
        transaction.set_rollback(True)
    make_wards()

    assert import_path(path, actor=SYSTEM).created == 3
    assert (ledger(), pillar_order()) == (state, order)
