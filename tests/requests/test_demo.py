"""`machi demo`'s residents' requests: every ward's quick-response fund gets its categories and requests in
every state, labelled as demo; FY2022's 決算額 stays as the seed prints it; a second run changes nothing."""

import datetime
from collections import Counter

import pytest
from django.urls import reverse
from tests.conftest import DATASET
from tests.test_demo_current_year import WARDS, YEAR, run_demo

from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.ledger import demo as ledger_demo
from machi.ledger.importers.csv_reader import read_csv
from machi.ledger.models import FigureChange, Project
from machi.requests import demo
from machi.requests.actions import CITY_BOUNDS
from machi.requests.models import Category, Expenditure, Request, RequestUpdate

FUND_NAMES = {
    "中央区": "中央区課題対応経費",
    "東区": "東区地域活性化支援事業",
    "西区": "地域ニーズ対応経費",
    "南区": "地域課題対応費",
    "北区": "緊急課題対応費",
}
EVERY_STATE = set(Request.Status.values)
# The demo loaded as on a day well inside FY2026 (its weeks of requests all in that year), whatever today is.
NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))
DEMO_YEAR = 2026


@pytest.fixture
def demo_year(kumamoto):
    """FY2022 as imported, and the current year's demo programme carried from it (as `machi demo` does)."""
    ledger_demo.load_current_year(actor=SYSTEM, today=NOW.date())


@pytest.mark.django_db
def test_every_ward_gets_categories_on_its_current_year_fund_and_requests_in_every_state(demo_year, client):
    report = demo.load(actor=SYSTEM, now=NOW)

    assert report.fiscal_year == DEMO_YEAR
    assert "デモの地域課題（令和8年度）" in report.summary()
    for ward in WARDS:
        categories = Category.objects.filter(ward__name=ward).select_related("fund__programme")
        assert 4 <= categories.count() <= 6, ward
        funds = {c.fund for c in categories}
        assert len(funds) == 1, ward
        [fund] = funds
        assert (fund.programme.fiscal_year, fund.programme.is_demo) == (DEMO_YEAR, True)
        assert fund.name == FUND_NAMES[ward] and fund.no == demo.FUNDS[ward]
        assert all(demo.DEMO_NOTE in c.description and c.target_days > 0 and c.group for c in categories)
        requests = Request.objects.filter(ward__name=ward)
        assert set(requests.values_list("status", flat=True)) == EVERY_STATE, ward
        assert all(r.description.startswith(demo.DEMO_PREFIX) for r in requests)
        # Phoned in: entered by staff for a made-up caller, never a real person's account.
        assert all(
            r.on_behalf and r.requester_id is None and r.caller_phone.startswith("000-") for r in requests
        )
        assert all(
            CITY_BOUNDS["lat"][0] <= r.latitude <= CITY_BOUNDS["lat"][1]
            and CITY_BOUNDS["lon"][0] <= r.longitude <= CITY_BOUNDS["lon"][1]
            and r.school_district.endswith("校区")
            for r in requests
        )
        numbers = sorted(requests.values_list("number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1)) and all(
            r.fiscal_year == DEMO_YEAR for r in requests
        )
    # One category with its own Open311 questions: the street light's pole number.
    light = Category.objects.get(ward__name="中央区", code="streetlight")
    assert [a["code"] for a in light.attributes] == ["pole_number", "lamp_state"]
    definition = client.get(
        reverse("open311-service", kwargs={"code": "431010-streetlight", "fmt": "json"})
    ).json()
    assert [(a["code"], a["required"]) for a in definition["attributes"]] == [
        ("pole_number", False),
        ("lamp_state", True),
    ]
    answered = Request.objects.filter(category=light).order_by("number")
    assert [r.attributes for r in answered] == [
        {"pole_number": "デモ 101", "lamp_state": "off"},
        {"lamp_state": "blinking"},
    ]

    chuo = Request.objects.filter(ward__name="中央区")
    declined = chuo.get(status="declined")
    assert "私道" in declined.public_reason
    assert chuo.get(status="referred").referred_to == "熊本市 空家対策課"
    duplicate = chuo.get(status="duplicate")
    assert duplicate.duplicate_of.is_open and duplicate.duplicate_of.category == duplicate.category
    # One was reopened by its caller: resolved, then back to 確認中.
    reopened = chuo.get(category__code="streetlight", updates__to_status="resolved")
    assert [u.to_status for u in reopened.updates.all()] == [
        "received",
        "checking",
        "in_progress",
        "resolved",
        "checking",
    ]
    assert reopened.resolved_at is None and reopened.status == "checking"
    # History dated as it happened, with public and internal notes.
    times = list(reopened.updates.values_list("at", flat=True))
    assert times == sorted(times) and times[0] == reopened.created_at
    public = RequestUpdate.objects.exclude(public_note="")
    assert public.exists() and all(u.public_note.startswith(demo.DEMO_PREFIX) for u in public)
    assert declined.public_reason.startswith(demo.DEMO_PREFIX)
    assert RequestUpdate.objects.exclude(internal_note="").exists()
    # The late one shows as overdue.
    late = [r for r in chuo.filter(status__in=Request.OPEN) if r.expected_by < NOW.date()]
    assert late, "one open request is past its expected date"

    # What the answers cost, on the current year's demo funds only, each through the ledger's history.
    spent = {
        (e.request.ward.name, e.figure_change.project_id): e.amount_yen
        for e in Expenditure.objects.select_related("request__ward", "figure_change")
    }
    assert len(spent) == len(WARDS) and report.spent == len(WARDS) * 3
    for ward in WARDS:
        fund = Project.objects.get(
            programme__fiscal_year=DEMO_YEAR, programme__ward__name=ward, no=demo.FUNDS[ward]
        )
        paid = Expenditure.objects.filter(request__ward__name=ward)
        assert paid.count() == 3 and all(e.request.category.fund_id == fund.pk for e in paid)
        assert fund.settled_yen == sum(e.amount_yen for e in paid)
    assert not Expenditure.objects.filter(figure_change__project__programme__fiscal_year=2022).exists()

    counts = (Category.objects.count(), Request.objects.count(), RequestUpdate.objects.count())
    audited = AuditEntry.objects.count()
    again = demo.load(actor=SYSTEM, now=NOW)
    assert not again.changed_anything
    assert (
        "受付 新規 0 件" in again.summary()
        and f"変更なし {len(WARDS) * len(demo.PLANS)} 件" in again.summary()
    )
    assert (Category.objects.count(), Request.objects.count(), RequestUpdate.objects.count()) == counts
    assert Expenditure.objects.count() == len(WARDS) * 3 and again.spent == 0
    assert AuditEntry.objects.count() == audited


@pytest.mark.django_db
def test_the_public_sees_demo_requests_without_the_callers_or_descriptions(demo_year, client):
    demo.load(actor=SYSTEM, now=NOW)

    answer = client.get(
        reverse("open311-requests", kwargs={"fmt": "json"}),
        {"jurisdiction_id": "431010", "page_size": 100, "start_date": "2026-09-01T00:00:00+09:00"},
    )
    assert answer.status_code == 200
    rows = answer.json()
    assert len(rows) == len(demo.PLANS)
    assert Counter(row["status"] for row in rows) == {"open": 4, "closed": 6}
    text = answer.content.decode()
    assert "デモ申出者" not in text and "000-0000" not in text and "業者見積り" not in text
    referred = next(row for row in rows if row["agency_responsible"] == "熊本市 空家対策課")
    assert referred["status"] == "closed"


@pytest.mark.django_db
def test_without_a_current_year_programme_the_categories_use_fy2022_funds_and_nothing_is_spent(kumamoto):
    report = demo.load(actor=SYSTEM, now=NOW)

    assert report.fiscal_year == 2022
    assert "支出なし（令和4年度の決算額はそのまま）" in report.summary()
    funds = {(c.ward.name, c.fund.programme.fiscal_year, c.fund.no) for c in Category.objects.all()}
    assert funds == {(ward, 2022, no) for ward, no in demo.FUNDS.items()}
    assert not FigureChange.objects.exclude(reason__startswith="取込").exists()
    assert not Expenditure.objects.exists()


@pytest.mark.django_db
def test_machi_demo_loads_the_requests_and_keeps_fy2022_as_the_seed_prints_it():
    out = run_demo()

    assert "デモの地域課題" in out
    assert Request.objects.filter(fiscal_year=YEAR).count() == len(WARDS) * len(demo.PLANS)
    seed = {(row.ward, row.no): row.settled_yen for row in read_csv(DATASET / "ledger.csv").rows}
    stored = Project.objects.for_year(2022).values_list("programme__ward__name", "no", "settled_yen")
    assert {(ward, no): settled for ward, no, settled in stored} == seed
    assert (
        not FigureChange.objects.filter(project__programme__fiscal_year=2022)
        .exclude(reason__startswith="取込")
        .exists()
    )
    again = run_demo()
    assert "変更はありません" in again
