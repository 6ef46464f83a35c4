"""`post_request_outcomes` posts each fund project's figures and yen per category to the ledger; the project
page and the ledger API show them; withheld groups post nothing; re-posting replaces."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from machi.accounts.actors import SYSTEM
from machi.core.errors import NotAllowed
from machi.ledger.models import Outcome
from machi.requests import actions
from machi.requests.models import Category, Expenditure

from .conftest import TUESDAY

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
JUNE = (datetime.date(2026, 6, 1), datetime.date(2026, 6, 30))
YEAR = (datetime.date(2026, 4, 1), datetime.date(2027, 3, 31))


def submit(category, now=TUESDAY):
    return actions.submit_request(
        actor=SYSTEM, category=category, description="側溝の蓋が割れている", address="手取本町1-1", now=now
    )


def resolve(request, at):
    return actions.change_status(
        actor=SYSTEM, request=request, to="resolved", expected_version=request.version, now=at
    )


def pay(request, yen, paid_on=datetime.date(2026, 6, 10), refund_of=None):
    """Rows made directly, only for the sum read here (the money actions and their posting are req-money's)."""
    return Expenditure.objects.create(
        request=request,
        kind="refund" if refund_of else "payment",
        refund_of=refund_of,
        section="需用費",
        payee="熊本土木",
        paid_on=paid_on,
        amount_yen=yen,
    )


def posted(project, period) -> dict:
    rows = Outcome.objects.filter(
        project=project, source="requests", period_start=period[0], period_end=period[1]
    )
    return {o.metric: o.value for o in rows}


@pytest.fixture
def june(road):
    made = [submit(road) for _ in range(5)]
    resolve(made[0], TUESDAY + DAY)
    resolve(made[1], TUESDAY + 10 * DAY)
    payment = pay(made[0], 30_000)
    pay(made[0], 5_000, refund_of=payment)
    return made


def test_the_funds_figures_and_yen_are_posted_per_month_and_year(fund, road, june):
    postings = actions.post_request_outcomes(actor=SYSTEM, fiscal_year=2026)
    month = posted(fund, JUNE)
    assert month["received"] == 5 and month["resolved"] == 2
    assert month["referred"] == 0 and month["declined"] == 0
    assert month["median-ack-days"] == month["median-resolve-days"] == Decimal("4.5")  # 1 and 8 working days
    assert month["within-target"] == 50
    assert month["spent-yen"] == 25_000  # 30,000 paid, 5,000 refunded (戻入)
    part = f"category-{road.pk}__"
    assert month[part + "received"] == 5 and month[part + "spent-yen"] == 25_000
    assert posted(fund, YEAR)["received"] == 5
    assert not posted(fund, (datetime.date(2026, 7, 1), datetime.date(2026, 7, 31)))
    assert {(p.start, p.end) for p in postings} == {JUNE, YEAR}


def test_a_group_under_5_posts_its_yen_but_no_counts(fund, road):
    request = submit(road)
    pay(request, 12_000)
    actions.post_request_outcomes(actor=SYSTEM, fiscal_year=2026, month=datetime.date(2026, 6, 1))
    assert posted(fund, JUNE) == {"spent-yen": 12_000, f"category-{road.pk}__spent-yen": 12_000}


def test_a_category_not_public_counts_in_the_total_but_is_not_named(fund, road, chuo, june):
    inside = Category.objects.create(ward=chuo, code="inside", name="庁内点検", public=False, fund=fund)
    submit(inside)
    actions.post_request_outcomes(actor=SYSTEM, fiscal_year=2026)
    month = posted(fund, JUNE)
    assert month["received"] == 6
    assert not [m for m in month if m.startswith(f"category-{inside.pk}__")]
    assert not Outcome.objects.filter(label__contains="庁内点検").exists()


def test_re_posting_replaces_and_withdraws(fund, road, june):
    actions.post_request_outcomes(actor=SYSTEM, fiscal_year=2026)
    Expenditure.objects.filter(kind="refund").delete()
    Expenditure.objects.all().delete()
    actions.post_request_outcomes(actor=SYSTEM, fiscal_year=2026)
    assert "spent-yen" not in posted(fund, JUNE)
    assert posted(fund, JUNE)["received"] == 5


def test_staff_of_another_ward_may_not_post(fund, road, june, higashi, ward_staff):
    with pytest.raises(NotAllowed):
        actions.post_request_outcomes(actor=ward_staff("east", higashi), fiscal_year=2026)
    assert not Outcome.objects.exists()


def test_the_project_page_and_the_ledger_api_show_them(client, fund, road, june):
    actions.post_request_outcomes(actor=SYSTEM, fiscal_year=2026)
    page = client.get(reverse("ledger:project", args=[fund.pk])).content.decode()
    assert "地域課題の受付" in page
    assert "受付件数" in page and "目標日数内に対応済となった割合" in page
    assert "道路の破損: 課題対応に支出した額（戻入を差し引く）" in page
    body = client.get(f"/api/projects/{fund.pk}").json()
    metrics = {(o["source"], o["metric"]) for o in body["outcomes"]}
    assert ("requests", "resolved") in metrics and ("requests", "spent-yen") in metrics
