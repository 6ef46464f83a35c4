"""`machi ledger import` of the canonical CSV: every rule, each refusal leaving the ledger untouched."""

import pytest

from machi.accounts.actors import SYSTEM
from machi.ledger.importers import import_path
from machi.ledger.importers.rows import LedgerImportError
from machi.ledger.models import FigureChange, Programme, Project, Ward

HEADER = "fiscal_year,ward_code,ward,pillar,no,name,status,description,initial,revised,settled\n"
GOOD = HEADER + (
    '2022,431010,中央区,地域活動の負担軽減,1,デジタル化実証実験事業,新規,オンライン予約,"1,000","1,800","1,798"\n'
    "2022,431010,中央区,その他,12,企業資源活用によるまちづくり事業,,マッチング,―,―,―\n"
    "2022,431010,中央区,その他,14,地域コミュニティづくり支援補助金,,補助金,3100,1720,1567\n"
)


def write(tmp_path, text: str, *, encoding="utf-8", name="ledger.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def ledger_state():
    return (
        list(Project.objects.order_by("id").values_list("name", "initial_yen", "revised_yen", "settled_yen")),
        FigureChange.objects.count(),
        Programme.objects.count(),
        Ward.objects.count(),
    )


def refused(path) -> LedgerImportError:
    before = ledger_state()
    with pytest.raises(LedgerImportError) as caught:
        import_path(path, actor=SYSTEM)
    assert ledger_state() == before, "a refused import must write nothing"
    return caught.value


@pytest.mark.django_db
def test_it_imports_the_canonical_csv_in_thousands_of_yen(tmp_path):
    report = import_path(write(tmp_path, GOOD), actor=SYSTEM)
    assert report.created == 3
    project = Project.objects.get(no=1)
    assert (project.initial_yen, project.revised_yen, project.settled_yen) == (
        1_000_000,
        1_800_000,
        1_798_000,
    )
    assert project.status == "新規"
    assert project.pillar.name == "地域活動の負担軽減"
    assert Project.objects.get(no=12).initial_yen is None
    assert Ward.objects.get(code="431010").name == "中央区"


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_it_reads_utf8_with_or_without_bom_and_shift_jis(tmp_path, encoding):
    import_path(write(tmp_path, GOOD, encoding=encoding), actor=SYSTEM)
    assert set(Project.objects.values_list("name", flat=True)) == {
        "デジタル化実証実験事業",
        "企業資源活用によるまちづくり事業",
        "地域コミュニティづくり支援補助金",
    }


@pytest.mark.django_db
def test_it_reads_full_width_digits_wareki_years_and_japanese_headers(tmp_path):
    text = "年度,区,柱,No.,事業名,区分,事業内容,当初予算,2月補正後,決算額\n令和４年度,中央区,柱,１,事業Ａ,【新規】,説明,１，０００,△０,―\n"
    Ward.objects.create(code="431010", name="中央区")
    import_path(write(tmp_path, text), actor=SYSTEM)
    project = Project.objects.get()
    assert (project.no, project.name, project.status) == (1, "事業Ａ", "新規")
    assert (project.initial_yen, project.revised_yen, project.settled_yen) == (1_000_000, 0, None)
    assert project.programme.fiscal_year == 2022


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing(tmp_path):
    path = write(tmp_path, GOOD)
    import_path(path, actor=SYSTEM)
    before = ledger_state()
    report = import_path(path, actor=SYSTEM)
    assert (report.created, report.updated, report.unchanged, report.figure_changes) == (0, 0, 3, 0)
    assert ledger_state() == before


@pytest.mark.django_db
def test_a_changed_figure_becomes_a_history_entry_naming_the_import(tmp_path):
    import_path(write(tmp_path, GOOD), actor=SYSTEM)
    changed = GOOD.replace('"1,798"', '"1,700"')
    report = import_path(write(tmp_path, changed, name="settlement-2023-05.csv"), actor=SYSTEM)
    assert report.updated == 1 and report.figure_changes == 1
    assert any("決算額 1,798 → 1,700" in line for line in report.lines)
    project = Project.objects.get(no=1)
    assert project.settled_yen == 1_700_000
    last = FigureChange.objects.for_project(project).last()
    assert (last.stage, last.old_yen, last.new_yen) == ("settled", 1_798_000, 1_700_000)
    assert "settlement-2023-05.csv" in last.reason


@pytest.mark.django_db
def test_a_dry_run_reports_the_changes_and_writes_nothing(tmp_path):
    import_path(write(tmp_path, GOOD), actor=SYSTEM)
    before = ledger_state()
    report = import_path(
        write(tmp_path, GOOD.replace("3100,1720,1567", "3100,1720,1600"), name="b.csv"),
        dry_run=True,
        actor=SYSTEM,
    )
    assert report.dry_run and report.figure_changes == 1
    assert any(
        "地域コミュニティづくり支援補助金" in line and "1,567 → 1,600" in line for line in report.lines
    )
    assert ledger_state() == before


@pytest.mark.django_db
def test_it_never_deletes_projects_missing_from_the_file(tmp_path):
    import_path(write(tmp_path, GOOD), actor=SYSTEM)
    only_two = "".join(GOOD.splitlines(keepends=True)[:3])
    report = import_path(write(tmp_path, only_two, name="partial.csv"), actor=SYSTEM)
    assert Project.objects.count() == 3
    assert any("地域コミュニティづくり支援補助金" in w for w in report.warnings)


@pytest.mark.django_db
def test_it_reports_every_problem_at_once_with_row_and_column(tmp_path):
    bad = HEADER + (
        "2022,431010,中央区,柱,1,事業A,,説明,abc,1,1\n"
        "令和九十九年度,431010,中央区,柱,2,事業B,,説明,1,1,1\n"
        "2022,431010,中央区,柱,3,事業C,廃止,説明,1,1,1\n"
        "2022,431010,中央区,柱,x,事業D,,説明,1,1,1\n"
    )
    error = refused(write(tmp_path, bad))
    places = {(p.row, p.column) for p in error.problems}
    assert {(2, "initial"), (3, "fiscal_year"), (4, "status"), (5, "no")} <= places
    assert "ledger.csv 2行目 「当初予算」列" in str(error)


@pytest.mark.django_db
def test_it_refuses_a_wrong_check_digit_and_names_the_right_code(tmp_path):
    error = refused(write(tmp_path, GOOD.replace("431010", "431011", 1)))
    assert "431010" in str(error)


@pytest.mark.django_db
def test_it_refuses_a_code_that_belongs_to_another_ward(tmp_path):
    Ward.objects.create(code="431028", name="東区")
    error = refused(write(tmp_path, GOOD.replace("431010,中央区", "431028,中央区")))
    assert "東区" in str(error)


@pytest.mark.django_db
def test_it_refuses_an_unknown_ward_without_a_code(tmp_path):
    error = refused(write(tmp_path, GOOD.replace("431010,中央区", ",湖東区")))
    assert "湖東区" in str(error)


@pytest.mark.django_db
def test_it_refuses_duplicate_numbers_and_names(tmp_path):
    duplicated = (
        GOOD
        + "2022,431010,中央区,その他,14,別の事業,,説明,1,1,1\n2022,431010,中央区,その他,20,デジタル化実証実験事業,,説明,1,1,1\n"
    )
    error = refused(write(tmp_path, duplicated))
    messages = " ".join(p.message for p in error.problems)
    assert "No.14 が重複" in messages and "事業名「デジタル化実証実験事業」が重複" in messages


@pytest.mark.django_db
def test_it_refuses_negative_project_figures(tmp_path):
    error = refused(write(tmp_path, GOOD.replace("3100,1720,1567", "3100,△1720,1567")))
    assert [(p.row, p.column) for p in error.problems] == [(4, "revised")]


@pytest.mark.django_db
def test_it_refuses_a_file_missing_required_columns(tmp_path):
    error = refused(write(tmp_path, "fiscal_year,ward,name,initial\n2022,中央区,A,1\n"))
    assert {p.column for p in error.problems} == {"revised", "settled"}


@pytest.mark.django_db
def test_it_refuses_formulas(tmp_path):
    error = refused(write(tmp_path, GOOD.replace("オンライン予約", '=HYPERLINK(""http://x"")')))
    assert "数式" in str(error)
    error = refused(write(tmp_path, GOOD.replace('"1,000"', "=1+1"), name="b.csv"))
    assert "数式" in str(error)


@pytest.mark.django_db
def test_it_refuses_binary_junk(tmp_path):
    path = tmp_path / "junk.csv"
    path.write_bytes(bytes(range(256)) * 64)
    assert "バイナリ" in str(refused(path))


@pytest.mark.django_db
def test_it_refuses_text_in_an_unknown_encoding(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(
        HEADER.encode() + "2022,431010,中央区,柱,1,".encode("utf-16") + b"\xff\xfe\x81\x00,,,1,1,1\n"
    )
    assert "文字コード" in str(refused(path)) or "バイナリ" in str(refused(path))


@pytest.mark.django_db
def test_it_refuses_a_file_over_the_size_limit_before_reading_it(tmp_path, settings):
    settings.MACHI_MAX_IMPORT_BYTES = 1024
    assert "大きすぎます" in str(refused(write(tmp_path, GOOD + "x" * 2048)))


@pytest.mark.django_db
def test_it_refuses_a_bomb_of_columns(tmp_path):
    assert "列が多すぎます" in str(refused(write(tmp_path, ",".join(f"c{i}" for i in range(100_000)) + "\n")))


@pytest.mark.django_db
def test_it_refuses_rows_wider_than_the_header(tmp_path):
    error = refused(write(tmp_path, GOOD + "2022,431010,中央区,柱,30,事業Z,,説明,1,1,1" + ",x" * 500 + "\n"))
    assert "見出しより列が多い" in str(error)


@pytest.mark.django_db
def test_it_refuses_an_empty_file_and_other_extensions(tmp_path):
    assert "空" in str(refused(write(tmp_path, "")))
    assert "CSV" in str(refused(write(tmp_path, GOOD, name="ledger.txt")))


@pytest.mark.django_db
def test_unknown_columns_are_ignored_with_a_warning(tmp_path):
    text = GOOD.replace("settled\n", "settled,担当課\n", 1).replace("1567\n", "1567,まちづくり推進課\n")
    report = import_path(write(tmp_path, text), actor=SYSTEM)
    assert report.created == 3
    assert any("担当課" in w for w in report.warnings)


@pytest.mark.django_db
def test_one_bad_row_among_many_writes_nothing_at_all(tmp_path):
    rows = "".join(f"2022,431010,中央区,柱,{n},事業{n},,説明,1,1,1\n" for n in range(1, 200))
    error = refused(write(tmp_path, HEADER + rows + "2022,431010,中央区,柱,500,最後の事業,,説明,1,1,1x\n"))
    assert [p.row for p in error.problems] == [201]
    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_two_projects_can_swap_numbers_in_one_import(tmp_path):
    import_path(write(tmp_path, GOOD), actor=SYSTEM)
    swapped = (
        GOOD.replace(",12,企業資源", ",99,企業資源")
        .replace(",14,地域コミュニティ", ",12,地域コミュニティ")
        .replace(",99,企業資源", ",14,企業資源")
    )
    # Matched by name where the number moved: the file renumbers the two projects.
    swapped_by_name = swapped.replace(",12,地域コミュニティ", ",,地域コミュニティ").replace(
        ",14,企業資源", ",,企業資源"
    )
    import_path(write(tmp_path, swapped_by_name, name="a.csv"), actor=SYSTEM)
    import_path(write(tmp_path, swapped, name="b.csv"), actor=SYSTEM)
    assert dict(Project.objects.values_list("name", "no")) == {
        "デジタル化実証実験事業": 1,
        "企業資源活用によるまちづくり事業": 14,
        "地域コミュニティづくり支援補助金": 12,
    }


@pytest.mark.django_db
def test_a_name_held_by_a_project_missing_from_the_file_is_refused(tmp_path):
    import_path(write(tmp_path, GOOD), actor=SYSTEM)
    # No.1 renamed to the name of No.14, which the file no longer lists.
    clash = HEADER + GOOD.splitlines(keepends=True)[1].replace(
        "デジタル化実証実験事業", "地域コミュニティづくり支援補助金"
    )
    error = refused(write(tmp_path, clash, name="clash.csv"))
    assert "ファイルにない事業" in str(error)


@pytest.mark.django_db
def test_a_status_marker_in_the_name_becomes_the_status(tmp_path):
    import_path(
        write(
            tmp_path,
            GOOD.replace(
                ",14,地域コミュニティづくり支援補助金,,", ",14,【拡充】地域コミュニティづくり支援補助金,,"
            ),
        ),
        actor=SYSTEM,
    )
    grant = Project.objects.get(no=14)
    assert (grant.name, grant.status) == ("地域コミュニティづくり支援補助金", "拡充")
    error = refused(
        write(
            tmp_path,
            GOOD.replace(",1,デジタル化実証実験事業,新規,", ",1,デジタル化実証実験事業【拡充】,新規,"),
            name="b.csv",
        )
    )
    assert "食い違って" in str(error)


@pytest.mark.django_db
def test_it_refuses_an_amount_beyond_any_budget(tmp_path):
    error = refused(write(tmp_path, GOOD.replace("3100,1720,1567", "99999999999999999999,1720,1567")))
    assert [(p.row, p.column) for p in error.problems] == [(4, "initial")]
