"""The report pages: a ward's annual report and the city's overview, with their figures and charts."""

import re

import pytest
from tests.reports.second_year import load_fy2021

from machi.ledger.models import Programme


def visible_text(response) -> str:
    html = response.content.decode()
    html = re.sub(r'<span class="visually-hidden">.*?</span>', "", html)
    html = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


WARDS = {  # code: (name, 当初, 2月補正後, 決算) in 千円
    "431010": ("中央区", "19,000", "17,620", "16,701"),
    "431028": ("東区", "19,000", "19,000", "18,512"),
    "431036": ("西区", "19,000", "17,482", "15,461"),
    "431044": ("南区", "19,000", "16,379", "15,293"),
    "431052": ("北区", "19,000", "15,900", "12,186"),
}


@pytest.mark.parametrize("code", WARDS)
def test_the_ward_report_shows_the_wards_totals(client, kumamoto, code):
    name, *figures = WARDS[code]
    response = client.get(f"/reports/2022/{code}/")
    assert response.status_code == 200
    text = visible_text(response)
    assert f"令和4年度 {name}のまちづくり推進経費 報告" in text
    total = re.search(rf"{name}の合計</th>(.*?)</tr>", response.content.decode(), flags=re.S)
    assert total and all(figure in visible_text_of(total.group(1)) for figure in figures)


def visible_text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_ward_report_has_vision_projects_marks_subtotals_and_rates(client, kumamoto):
    html = client.get("/reports/2022/431010/").content.decode()
    text = visible_text_of(html)
    assert "新たな出会いと未来創造の都会" in text
    assert "地域コミュニティセンターのデジタル化実証実験事業" in text
    assert 'class="badge badge--new">新規' in html
    assert text.count("小計") == Programme.objects.get(fiscal_year=2022, ward__code="431010").pillars.count()
    assert "94.8%" in text and "919" in text  # 16,701 ÷ 17,620 and 17,620 − 16,701
    assert "指摘はありません" in text


def test_the_ward_report_lists_the_data_check_findings(client, kumamoto):
    text = visible_text(client.get("/reports/2022/431044/"))
    assert "点検で 6 件の指摘があります" in text
    assert "地域課題対応費: 決算額 4,195 千円が2月補正後 1,469 千円を上回っています" in text


def test_every_chart_is_a_figure_with_a_caption_a_labelled_svg_and_a_table(client, kumamoto, tmp_path):
    load_fy2021(tmp_path)
    for url in ("/reports/2022/431010/", "/reports/2022/"):
        html = client.get(url).content.decode()
        figures = re.findall(r'<figure class="chart">(.*?)</figure>', html, flags=re.S)
        assert len(figures) >= 2
        for figure in figures:
            assert "<figcaption" in figure
            assert re.search(r'<svg[^>]* role="img" aria-labelledby="[^"]+"', figure)
            assert "<title" in figure
            assert "<table" in figure or "上の表" in figure
        assert "style=" not in html  # the Content-Security-Policy forbids inline styles


def test_the_city_overview_sets_the_wards_side_by_side(client, kumamoto):
    response = client.get("/reports/2022/")
    assert response.status_code == 200
    text = visible_text(response)
    for name, *figures in WARDS.values():
        row = re.search(rf"{name} (.*?) (?:東区|西区|南区|北区|市の合計)", text)
        assert row and all(figure in row.group(1) for figure in figures)
    assert "95,000 86,381 78,153" in text
    assert "それぞれのテーマに計上" in text
    assert "ICT" in text
    assert "年度ごとの推移" not in text  # one year loaded


def test_the_city_overview_compares_years_when_several_are_loaded(client, kumamoto, tmp_path):
    load_fy2021(tmp_path)
    text = visible_text(client.get("/reports/2022/"))
    assert "年度ごとの推移" in text
    assert "令和3年度 18,000 14,800 13,400" in text
    assert client.get("/reports/2021/").status_code == 200


def test_the_pages_link_their_downloads_and_the_pdf(client, kumamoto):
    html = client.get("/reports/2022/431010/").content.decode()
    for href in (
        "/reports/2022/431010/report.xlsx",
        "/reports/2022/431010/report.csv",
        "/reports/2022/431010/ledger.csv",
        "/reports/2022/431010/report.pdf",
    ):
        assert f'href="{href}"' in html
    city = client.get("/reports/2022/").content.decode()
    for href in ("/reports/2022/report.xlsx", "/reports/2022/report.pdf", "/reports/2022/fdp.zip"):
        assert f'href="{href}"' in city


def test_the_ledger_pages_link_to_the_reports(client, kumamoto):
    assert 'href="/reports/2022/"' in client.get("/").content.decode()
    assert 'href="/reports/2022/431010/"' in client.get("/2022/431010/").content.decode()


@pytest.mark.parametrize(
    "url", ["/reports/2030/", "/reports/2022/431999/", "/reports/2030/431010/report.csv"]
)
def test_an_unknown_year_or_ward_is_not_found(client, kumamoto, url):
    assert client.get(url).status_code == 404


def test_the_pages_take_a_fixed_number_of_queries(client, kumamoto, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        client.get("/reports/2022/431044/")
    with django_assert_max_num_queries(12):
        client.get("/reports/2022/")


def test_the_report_is_in_english_too(client, kumamoto, settings):
    response = client.get("/reports/2022/431010/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
