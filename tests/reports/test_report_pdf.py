"""The A4 PDF reports: every ward's projects and totals, the city's comparison, the embedded font.

The PDFs are written to test-artifacts/reports/ for a person to look at.
"""

import datetime as dt
import re
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader
from tests.core.pdf_support import embedded_fonts, pdf_text

from machi.ledger.models import Programme, Project
from machi.reports.pdf import render_city_report_pdf, render_ward_report_pdf

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"

# 当初 / 2月補正後 / 決算 in 千円, as the seed prints each ward's total.
WARD_TOTALS = {
    "中央区": ("19,000", "17,620", "16,701"),
    "東区": ("19,000", "19,000", "18,512"),
    "西区": ("19,000", "17,482", "15,461"),
    "南区": ("19,000", "16,379", "15,293"),
    "北区": ("19,000", "15,900", "12,186"),
}
CITY_TOTALS = ("95,000", "86,381", "78,153")


def save(name: str, data: bytes) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_bytes(data)


@pytest.mark.parametrize("ward", list(WARD_TOTALS))
def test_the_ward_report_lists_every_project_and_the_seed_totals(kumamoto, ward):
    programme = Programme.objects.select_related("ward").get(ward__name=ward, fiscal_year=2022)
    data = render_ward_report_pdf(programme, generated_on=dt.date(2023, 6, 1))
    save(f"{programme.ward.code}-2022.pdf", data)
    text = pdf_text(data)

    assert data.startswith(b"%PDF-")
    assert f"令和4年度{ward}まちづくり推進経費報告書" in text
    for name in Project.objects.filter(programme=programme).values_list("name", flat=True):
        assert re.sub(r"\s+", "", name) in text
    initial, revised, settled = WARD_TOTALS[ward]
    assert f"{ward}の合計" in text
    # The total row reads 当初, 2月補正後, 決算 in this order (then 執行率 and 不用額).
    assert re.search(f"{ward}の合計(?:\\d+)?{initial}{revised}{settled}", text), text[-2000:]
    assert "作成日2023年6月1日" in text
    assert "1/" in text and "ページ" in text


def test_the_ward_report_shows_vision_priorities_pillars_and_marks(kumamoto):
    programme = Programme.objects.select_related("ward").get(ward__name="中央区", fiscal_year=2022)
    text = pdf_text(render_ward_report_pdf(programme))
    assert "めざす区の姿" in text and re.sub(r"\s+", "", programme.vision) in text
    for line in programme.priorities.splitlines():
        assert re.sub(r"\s+", "", line) in text
    for pillar in programme.pillars.all():
        assert re.sub(r"\s+", "", pillar.name) in text
    assert "小計" in text and "新規" in text
    assert "指摘事項はありません" in text


def test_the_ward_report_carries_the_data_check_warnings(kumamoto):
    programme = Programme.objects.select_related("ward").get(ward__name="南区", fiscal_year=2022)
    text = pdf_text(render_ward_report_pdf(programme))
    assert "データチェックの指摘が6件あります" in text
    assert "地域課題対応費:決算額" in text and "上回っています" in text
    assert "※" in text


def test_the_ward_report_embeds_ipaexgothic(kumamoto):
    programme = Programme.objects.select_related("ward").get(ward__name="東区", fiscal_year=2022)
    fonts = embedded_fonts(render_ward_report_pdf(programme))
    ipa = [name for name in fonts if "IPAexGothic" in name or "IPAex" in name]
    assert ipa and all(fonts[name] for name in ipa), fonts
    # Nothing is left to the reader's own fonts: no unembedded font at all.
    assert all(fonts.values()), fonts


def test_the_city_report_compares_every_ward_and_totals_the_city(kumamoto):
    data = render_city_report_pdf(2022, generated_on=dt.date(2023, 6, 1))
    save("city-2022.pdf", data)
    text = pdf_text(data)
    assert "令和4年度熊本市区まちづくり推進経費報告書（全区）" in text
    for ward in WARD_TOTALS:
        assert ward in text
    assert re.search("熊本市合計95,000{}{}{}".format(*CITY_TOTALS), text), text
    assert "区別の執行率（令和4年度決算額÷2月補正後）" in text
    # The chart's numbers in the table beside it: 中央区 16,701 ÷ 17,620 = 94.8%.
    assert "中央区17,62016,70194.8%" in text
    assert "南区：No." in text
    assert all(embedded_fonts(data).values())


def test_a_long_ward_spans_pages_and_repeats_the_table_header(kumamoto):
    programme = Programme.objects.select_related("ward").get(ward__name="北区", fiscal_year=2022)
    pillar = programme.pillars.order_by("position").first()
    for number in range(100, 160):
        Project.objects.create(
            programme=programme,
            pillar=pillar,
            no=number,
            position=number,
            name=f"とても長い名前の地域まちづくり推進モデル事業（その{number}）校区自治協議会連携型",
            description="地域の課題を住民とともに整理し、" * 6,
            initial_yen=100_000,
            revised_yen=100_000,
            settled_yen=90_000,
        )
    data = render_ward_report_pdf(programme)
    save("long-ward.pdf", data)
    reader = PdfReader(BytesIO(data))
    assert len(reader.pages) >= 4
    pages = [re.sub(r"\s+", "", page.extract_text()) for page in reader.pages]
    table_pages = [text for text in pages if "その1" in text]
    assert len(table_pages) >= 3
    assert all("事業名・事業内容" in text for text in table_pages)
    assert all(f"/{len(reader.pages)}ページ" in text for text in pages)
    assert "その159）校区自治協議会連携型" in "".join(pages)


def test_a_year_without_programmes_still_renders(db):
    text = pdf_text(render_city_report_pdf(2031))
    assert "令和13年度の区の計画は登録されていません" in text


def test_unbudgeted_figures_show_a_dash_and_markup_in_names_is_text(db):
    from machi.ledger.models import Ward

    ward = Ward.objects.create(code="431010", name="中央区")
    programme = Programme.objects.create(ward=ward, fiscal_year=2023, allocation_yen=None, vision="")
    Project.objects.create(programme=programme, no=1, name="A&B <b>事業</b>", initial_yen=500_000)
    text = pdf_text(render_ward_report_pdf(programme))
    assert "令和5年度中央区まちづくり推進経費報告書" in text
    assert "A&B<b>事業</b>" in text
    assert "柱の指定なし" in text
    # 当初 500, 2月補正後 ―, 決算 ―, 執行率 ―, 不用額 ― (not budgeted is not 0).
    assert "中央区の合計500――――" in text
    assert "（登録されていません）" in text
