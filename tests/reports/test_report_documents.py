"""Every report in every format, from the web and from `machi report`: the same document either way."""

import csv
import io
import zipfile

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook
from pypdf import PdfReader


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_pdfs_download_from_the_report_pages(client, kumamoto):
    ward = client.get("/reports/2022/431044/report.pdf")
    assert ward.status_code == 200 and ward["Content-Type"] == "application/pdf"
    assert 'filename="report-2022-431044.pdf"' in ward["Content-Disposition"]
    assert "南区" in pdf_text(ward.content) and "15,293" in pdf_text(ward.content)
    city = client.get("/reports/2022/report.pdf")
    assert "86,381" in pdf_text(city.content)
    assert client.get("/reports/2030/report.pdf").status_code == 404
    assert client.get("/reports/2022/999999/report.pdf").status_code == 404


def test_the_open_data_zip_downloads_from_the_city_page(client, kumamoto):
    response = client.get("/reports/2022/fdp.zip")
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "datapackage.json" in names and "budget.csv" in names
    assert client.get("/reports/2030/fdp.zip").status_code == 404


@pytest.mark.parametrize("fmt", ["html", "pdf", "xlsx", "csv"])
def test_machi_report_ward_writes_each_format(kumamoto, tmp_path, fmt):
    path = tmp_path / f"chuo.{fmt}"
    out = io.StringIO()
    call_command(
        "report",
        "ward",
        "--year",
        "令和4年度",
        "--ward",
        "中央区",
        "--format",
        fmt,
        "-o",
        str(path),
        stdout=out,
    )
    content = path.read_bytes()
    if fmt == "pdf":
        text = pdf_text(content)
    elif fmt == "xlsx":
        text = " ".join(
            str(c.value) for row in load_workbook(io.BytesIO(content)).active.iter_rows() for c in row
        )
    else:
        text = content.decode("utf-8-sig")
    assert "中央区" in text
    assert "地域コミュニティセンターのデジタル化実証実験事業" in text.replace("\n", "")
    if fmt == "html":
        assert "<style>" in text and "16,701" in text  # a standalone page: the stylesheet travels with it
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert len(rows) > 15
    assert str(path) in out.getvalue()


@pytest.mark.parametrize("fmt", ["html", "pdf", "xlsx", "csv"])
def test_machi_report_city_writes_each_format(kumamoto, tmp_path, fmt):
    path = tmp_path / f"city.{fmt}"
    call_command("report", "city", "--year", "2022", "--format", fmt, "-o", str(path), stdout=io.StringIO())
    assert path.stat().st_size > 0


def test_machi_report_refuses_what_it_cannot_find(kumamoto, tmp_path):
    with pytest.raises(CommandError, match="区「湖東区」が見つかりません"):
        call_command(
            "report",
            "ward",
            "--year",
            "2022",
            "--ward",
            "湖東区",
            "--format",
            "pdf",
            "-o",
            str(tmp_path / "x.pdf"),
        )
    with pytest.raises(CommandError, match="令和12年度 の台帳がありません"):
        call_command("report", "city", "--year", "2030", "--format", "pdf", "-o", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


def test_the_city_pdf_carries_spending_by_theme_and_the_years(client, kumamoto, tmp_path):
    from tests.reports.second_year import load_fy2021

    load_fy2021(tmp_path)
    text = pdf_text(client.get("/reports/2022/report.pdf").content)
    assert "テーマ別の決算額" in text and "防災" in text and "12,471" in text  # 防災: 決算額 across the wards
    assert "年度ごとの推移" in text and "令和3年度" in text
