"""The public statistics page and its CSV: filtered by ward and fiscal year, withheld cells withheld in both,
English through the translations, nothing personal, a constant number of queries."""

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse

from machi.accounts.actors import SYSTEM
from machi.requests import actions
from machi.requests.models import Category

from .conftest import CITY_HALL, TUESDAY

pytestmark = pytest.mark.django_db
URL = "/requests/stats/"


def submit(category, now=TUESDAY, description="私の家の前の街灯（熊本 花子）"):
    return actions.submit_request(
        actor=SYSTEM,
        category=category,
        description=description,
        latitude=CITY_HALL[0],
        longitude=CITY_HALL[1],
        now=now,
    )


@pytest.fixture
def figures(road, higashi):
    made = [submit(road) for _ in range(5)]
    made[0].refresh_from_db()
    actions.change_status(
        actor=SYSTEM, request=made[0], to="resolved", expected_version=made[0].version, now=TUESDAY
    )
    for _ in range(5):
        submit(road, now=TUESDAY + datetime.timedelta(days=30))  # five in July
    east = Category.objects.create(ward=higashi, code="light", name="街灯の故障")
    submit(east)
    return made


def test_the_page_shows_a_table_per_category_with_its_months_and_year(client, figures):
    assert reverse("requests:stats") == URL
    page = client.get(URL, {"year": 2026}).content.decode()
    assert "地域課題の受付状況" in page and "令和8年度" in page
    assert "中央区 道路の破損" in page and "東区 街灯の故障" in page
    assert len(re.findall("<table", page)) == 2
    assert "2026年6月" in page and "2026年7月" in page and "年度計" in page
    assert "5件未満" in page and "非公表" in page
    assert "100.0%" in page  # the one resolved, the same day: within its target
    assert "熊本 花子" not in page and "街灯（" not in page


def test_the_ward_filter_keeps_one_ward(client, figures, higashi):
    page = client.get(URL, {"year": 2026, "ward": higashi.code}).content.decode()
    captions = re.findall(r"<caption[^>]*>([^<]*)</caption>", page)
    assert captions == ["街灯の故障の月ごとの受付と対応"]
    assert "令和8年度 東区" in page


def test_a_ward_without_requests_says_so_and_a_bad_year_falls_back(client, figures):
    from machi.ledger.models import Ward

    nishi = Ward.objects.create(code="431036", name="西区")
    assert "まだありません" in client.get(URL, {"year": 2026, "ward": nishi.code}).content.decode()
    page = client.get(URL, {"year": "二〇二六", "ward": "nowhere"}).content.decode()
    assert "道路の破損" in page and "街灯の故障" in page  # the newest year, every ward


def test_the_csv_holds_the_same_figures_withheld_alike(client, figures):
    response = client.get(URL, {"year": 2026, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "requests-stats-2026.csv" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["区", "分類", "種類", "月", "受付"]
    by_month = {(r[0], r[2], r[3]): r[4:] for r in rows[1:]}
    assert by_month[("中央区", "道路の破損", "2026年6月")][:2] == ["5", "1"]
    assert by_month[("中央区", "道路の破損", "2026年7月")][:2] == ["5", "0"]
    assert by_month[("中央区", "道路の破損", "年度計")][0] == "10"
    assert by_month[("東区", "街灯の故障", "2026年6月")] == ["5件未満"] + ["非公表"] * 9
    assert by_month[("東区", "街灯の故障", "年度計")][0] == "5件未満"
    assert "花子" not in response.content.decode("utf-8-sig")


def test_the_page_reads_in_english(client, figures):
    client.cookies["django_language"] = "en"
    page = client.get(URL, {"year": 2026}).content.decode()
    assert "Fewer than 5" in page and "Withheld" in page and "Resolved" in page
    assert "FY2026" in page and "Total for the year" in page
    text = re.sub(r"<[^>]+>", " ", page.split("<main", 1)[1].split("</main>", 1)[0])
    for data in ("中央区", "東区", "道路の破損", "街灯の故障", "道路"):
        text = text.replace(data, "")
    assert not re.findall(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]+", text)  # no Japanese but the data
    client.cookies["django_language"] = "en"
    header = client.get(URL, {"year": 2026, "format": "csv"}).content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Ward,Group,Category,Month,Received")


def test_the_page_takes_a_constant_number_of_queries(client, figures, road, django_assert_max_num_queries):
    for _ in range(10):
        submit(road)
    with django_assert_max_num_queries(8):
        assert client.get(URL, {"year": 2026}).status_code == 200
