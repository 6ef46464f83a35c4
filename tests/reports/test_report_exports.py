"""The report downloads re-read with openpyxl and csv show the same figures as the page."""

import csv
import io

import pytest
from openpyxl import load_workbook
from tests.reports.second_year import load_fy2021

from machi.ledger.importers.csv_reader import read_csv


def read_csv_response(response) -> list[list[str]]:
    assert response.content.startswith(b"\xef\xbb\xbf")  # a BOM: Excel opens it as UTF-8
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_ward_csv_has_projects_subtotals_and_the_total(client, kumamoto):
    response = client.get("/reports/2022/431010/report.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv_response(response)
    header, *body = rows
    assert header[:7] == ["年度", "区", "行", "柱", "No.", "区分", "事業名"]
    assert header[7:] == [
        "当初予算（千円）",
        "2月補正後（千円）",
        "決算額（千円）",
        "執行率（%）",
        "不用額（千円）",
    ]
    total = body[-1]
    assert total[2] == "合計" and total[7:] == ["19000", "17620", "16701", "94.8", "919"]
    projects = [r for r in body if r[2] == "事業"]
    subtotals = [r for r in body if r[2] == "小計"]
    for column in (7, 8, 9):
        assert sum(float(r[column] or 0) for r in projects) == float(total[column])
        assert sum(float(r[column] or 0) for r in subtotals) == float(total[column])
    first = next(r for r in projects if r[6] == "地域コミュニティセンターのデジタル化実証実験事業")
    assert first[5] == "新規" and first[7:10] == ["1000", "1800", "1798"]


def test_the_ward_xlsx_has_title_unit_japanese_formats_subtotals_and_total(client, kumamoto):
    response = client.get("/reports/2022/431044/report.xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "令和4年度 南区 まちづくり推進経費 報告"
    assert sheet.cell(2, sheet.max_column).value == "（単位：千円）"
    assert [c.value for c in sheet[3]] == [
        "柱",
        "No.",
        "区分",
        "事業名",
        "当初予算",
        "2月補正後",
        "決算額",
        "執行率",
        "不用額",
    ]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    total = rows[-1]
    assert total[0] == "南区の合計" and total[4:7] == [19_000, 16_379, 15_293]
    assert total[7] == pytest.approx(15_293 / 16_379) and total[8] == 16_379 - 15_293
    assert sheet.cell(sheet.max_row, 5).number_format == '#,##0;"△"#,##0'
    assert sheet.cell(sheet.max_row, 8).number_format == "0.0%"
    subtotals = [r for r in rows if r[3] == "小計"]
    assert [r[6] for r in subtotals] == [565, 3_168, 949, 666, 9_945]
    over = next(r for r in rows if r[3] == "地域課題対応費")
    assert over[5:7] == [1_469, 4_195] and over[8] == 1_469 - 4_195  # negative, shown as △ by the format


def test_the_ledger_csv_is_the_canonical_file_the_importer_reads_back(client, kumamoto, tmp_path):
    response = client.get("/reports/2022/431010/ledger.csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    path = tmp_path / "ledger.csv"
    path.write_bytes(response.content)
    result = read_csv(path)
    assert not result.problems
    assert {row.ward_code for row in result.rows} == {"431010"}
    assert sum(row.settled_yen or 0 for row in result.rows) == 16_701_000


def test_the_city_csv_sets_the_wards_side_by_side(client, kumamoto):
    header, *body = read_csv_response(client.get("/reports/2022/report.csv"))
    assert header[:4] == ["年度", "団体コード", "区", "配分額（千円）"]
    assert [r[2] for r in body] == ["中央区", "東区", "西区", "南区", "北区", "市の合計"]
    assert body[-1][3:8] == ["95000", "95000", "86381", "78153", "90.5"]
    assert body[4][4:7] == ["19000", "15900", "12186"]


def test_the_city_xlsx_has_wards_themes_and_years(client, kumamoto, tmp_path):
    load_fy2021(tmp_path)
    workbook = load_workbook(io.BytesIO(client.get("/reports/2022/report.xlsx").content))
    assert workbook.sheetnames == ["区の比較", "テーマ別", "年度比較"]
    wards = [[c.value for c in row] for row in workbook["区の比較"].iter_rows(min_row=4)]
    assert wards[-1][:5] == ["市の合計", 95_000, 95_000, 86_381, 78_153]
    themes = workbook["テーマ別"]
    assert [c.value for c in themes[3]][1:6] == ["中央区", "東区", "西区", "南区", "北区"]
    years = [[c.value for c in row] for row in workbook["年度比較"].iter_rows(min_row=4)]
    assert [r[0] for r in years] == ["令和3年度", "令和4年度"]
    assert years[0][2:5] == [18_000, 14_800, 13_400]
