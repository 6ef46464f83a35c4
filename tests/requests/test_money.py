"""Money spent answering a request: each payment posts to the category's fund project's 決算額 through the
ledger's figure change, a refund (戻入) reverses it (shown △), spending past the money left needs a
stated reason (流用) that `machi ledger check` lists."""

import datetime
import subprocess

import pytest
from django.contrib import admin as django_admin

from machi.audit.models import AuditEntry
from machi.core.errors import Conflict, NotAllowed, Refused
from machi.core.money import MAX_YEN
from machi.ledger.models import BudgetShortfall, FigureChange, Programme, Project
from machi.ledger.queries import ledger_check, public_history
from machi.requests import actions, queries
from machi.requests.models import Category, Expenditure

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 6, 10)


@pytest.fixture
def made(made, budgeted):
    """The request of tests/requests/conftest.py, its fund budgeted."""
    return made


def pay(request, actor, **changes):
    values = {
        "section": "supplies",
        "payee": "熊本土木 株式会社",
        "paid_on": DAY,
        "amount_yen": 30_000,
        "order_number": "R8-0123",
        "note": "蓋の交換",
    }
    return actions.record_expenditure(actor=actor, request=request, **values | changes)


def test_a_payment_adds_to_the_funds_settled_figure_with_history_naming_the_request_not_the_payee(
    made, staff, budgeted
):
    paid = pay(made, staff)

    budgeted.refresh_from_db()
    assert budgeted.settled_yen == 30_000
    change = FigureChange.objects.get(pk=paid.figure_change_id)
    assert (change.stage, change.old_yen, change.new_yen) == ("settled", None, 30_000)
    assert "熊本土木" in change.reason and "R8-0123" in change.reason and "30,000円" in change.reason
    assert change.public_reason == "課題対応 令和8年度 中央区 第1号 需用費"
    public = public_history(budgeted)
    assert [c.reason for c in public] == ["課題対応 令和8年度 中央区 第1号 需用費"]
    assert all("熊本土木" not in c.reason for c in public)
    entry = AuditEntry.objects.get(action="requests.record_expenditure")
    assert entry.ward_id == made.ward_id and entry.after["amount_yen"] == 30_000
    assert queries.spent_yen(made) == 30_000
    assert queries.fund_left(made).left_yen == 70_000


def test_a_section_is_taken_by_its_name_too(made, staff):
    assert pay(made, staff, section="需用費").section == "supplies"


def test_a_refund_takes_its_amount_off_and_shows_as_a_decrease(made, staff, budgeted, client):
    paid = pay(made, staff)
    refund = actions.refund_expenditure(
        actor=staff, expenditure=paid, amount_yen=5_000, paid_on=DAY + datetime.timedelta(days=3)
    )

    budgeted.refresh_from_db()
    assert budgeted.settled_yen == 25_000
    assert refund.kind == "refund" and refund.refund_of == paid and refund.signed_yen == -5_000
    reversal = FigureChange.objects.get(pk=refund.figure_change_id)
    assert (reversal.old_yen, reversal.new_yen) == (30_000, 25_000)
    last = public_history(budgeted)[-1]
    assert last.reason == "課題対応 令和8年度 中央区 第1号 需用費 戻入" and last.change_yen == -5_000
    assert [e.signed_yen for e in queries.expenditures_of(made)] == [30_000, -5_000]
    assert queries.expenditures_of(made)[0].refundable_yen == 25_000
    assert queries.spent_yen(made) == 25_000
    # The ledger's project page shows the move as △ (in 千円), its API as a negative number.
    page = client.get(f"/projects/{budgeted.pk}/")
    assert page.status_code == 200 and "△5" in page.content.decode()
    history = client.get(f"/api/projects/{budgeted.pk}").json()["history"]
    assert [c["change"] for c in history] == [30_000, -5_000]
    # So does staff's figure history in the admin.
    assert reversal.change_yen == -5_000
    assert "△5" in str(django_admin.site._registry[Project].figure_history(budgeted))


def test_a_refund_never_takes_back_more_than_what_is_left_of_its_payment(made, staff, budgeted):
    paid = pay(made, staff, amount_yen=10_000)
    actions.refund_expenditure(actor=staff, expenditure=paid, amount_yen=6_000, paid_on=DAY)

    with pytest.raises(Refused, match="残りの4,000円まで"):
        actions.refund_expenditure(actor=staff, expenditure=paid, amount_yen=4_001, paid_on=DAY)
    refund = actions.refund_expenditure(actor=staff, expenditure=paid, amount_yen=4_000, paid_on=DAY)
    with pytest.raises(Refused, match="戻入の戻入"):
        actions.refund_expenditure(actor=staff, expenditure=refund, amount_yen=1, paid_on=DAY)
    budgeted.refresh_from_db()
    assert budgeted.settled_yen == 0
    assert Expenditure.objects.filter(kind="refund").count() == 2


def test_spending_past_the_money_left_needs_a_stated_reason_that_ledger_check_lists(made, staff, budgeted):
    pay(made, staff, amount_yen=90_000)

    with pytest.raises(Refused, match="予算の残りは10,000円です") as refused:
        pay(made, staff, amount_yen=15_000)
    assert "予算 100,000円 − 決算 90,000円" in refused.value.messages[0]
    assert refused.value.code == "requests.expenditure_over_budget"
    budgeted.refresh_from_db()
    assert budgeted.settled_yen == 90_000

    over = pay(made, staff, amount_yen=15_000, overdraw_reason="台風被害で緊急の補修が重なったため")
    budgeted.refresh_from_db()
    assert budgeted.settled_yen == 105_000
    assert over.overdraw_reason == "台風被害で緊急の補修が重なったため"
    assert BudgetShortfall.objects.get(project=budgeted).reason == "台風被害で緊急の補修が重なったため"
    [finding] = [f for f in ledger_check(2026, with_reasons=True)["中央区"] if f.kind == "overdrawn"]
    assert "課題対応経費" in finding.message and "台風被害" in finding.message


def test_a_payment_within_the_money_left_keeps_no_overdraw_reason(made, staff):
    assert pay(made, staff, overdraw_reason="念のため").overdraw_reason == ""
    assert not BudgetShortfall.objects.exists()


def test_machi_ledger_check_lists_a_fund_overdrawn_by_a_request(command_env, migrated_sqlite_file, tmp_path):
    """The real command, on a database of its own: a request's overdraw is listed with its reason."""
    script = """
import datetime
from machi.accounts.actors import SYSTEM
from machi.ledger.models import Programme, Project, Ward
from machi.requests import actions
from machi.requests.models import Category
ward = Ward.objects.create(code="431010", name="中央区", name_en="Chuo")
fund = Project.objects.create(
    programme=Programme.objects.create(ward=ward, fiscal_year=2026), no=15, name="課題対応経費", initial_yen=10_000
)
road = Category.objects.create(ward=ward, code="road", name="道路の破損", fund=fund)
request = actions.submit_request(actor=SYSTEM, category=road, description="穴", address="手取本町1-1")
actions.record_expenditure(
    actor=SYSTEM, request=request, section="construction", payee="熊本土木", paid_on=datetime.date(2026, 6, 10),
    amount_yen=12_000, overdraw_reason="緊急の補修",
)
"""
    from tests.conftest import MACHI

    env = command_env | {"MACHI_DEBUG": "1"}
    made = subprocess.run(
        [MACHI, "shell", "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert made.returncode == 0, made.stderr
    checked = subprocess.run(
        [MACHI, "ledger", "check", "--year", "2026"], env=env, capture_output=True, text=True, timeout=120
    )
    assert checked.returncode == 0, checked.stderr
    assert "No.15 課題対応経費: 決定済みの額が予算の残りを超えています" in checked.stdout
    assert "残り △2,000円" in checked.stdout or "残り -2,000円" in checked.stdout
    assert "理由: 緊急の補修" in checked.stdout


def test_a_category_without_a_fund_refuses_clearly(made, staff, road):
    road.fund = None
    road.save()
    made.refresh_from_db()
    with pytest.raises(Refused, match="支払う事業（課題対応経費）が設定されていない"):
        pay(made, staff)
    assert not Expenditure.objects.exists()


def test_a_fund_of_another_ward_is_refused(made, staff, road, higashi):
    road.fund = Project.objects.create(
        programme=Programme.objects.create(ward=higashi, fiscal_year=2026),
        name="東区の事業",
        initial_yen=10**6,
    )
    road.save()
    made.refresh_from_db()
    with pytest.raises(Refused, match="中央区の事業ではない"):
        pay(made, staff)
    assert not Expenditure.objects.exists()


def test_a_fund_without_a_budget_takes_no_payment(made, staff, budgeted):
    budgeted.initial_yen = None
    budgeted.save()
    with pytest.raises(Refused, match="予算が計上されていない"):
        pay(made, staff)


@pytest.mark.parametrize(
    ("day", "accepted"),
    [
        (datetime.date(2026, 4, 1), True),
        (datetime.date(2027, 3, 31), True),
        (datetime.date(2027, 5, 31), True),  # 出納整理期間
        (datetime.date(2027, 6, 1), False),
        (datetime.date(2026, 3, 31), False),
    ],
)
def test_the_payment_date_falls_in_the_funds_fiscal_year_or_its_closing_period(made, staff, day, accepted):
    if accepted:
        assert pay(made, staff, paid_on=day).paid_on == day
    else:
        with pytest.raises(Refused, match="出納整理期間"):
            pay(made, staff, paid_on=day)
        assert not Expenditure.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"section": "travel"}, "節を選んでください"),
        ({"section": ""}, "節を選んでください"),
        ({"amount_yen": 0}, "1円以上の整数"),
        ({"amount_yen": -5}, "1円以上の整数"),
        ({"amount_yen": "―"}, "1円以上の整数"),
        ({"amount_yen": "1.5"}, "1円以上の整数"),
        ({"amount_yen": 1.0}, "1円以上の整数"),
        ({"amount_yen": True}, "1円以上の整数"),
        ({"amount_yen": MAX_YEN + 1}, "1円以上の整数"),
        ({"payee": "  "}, "支払先を入力"),
        ({"payee": "店" * 201}, "支払先は200文字"),
        ({"paid_on": "2026-02-30"}, "支払日を正しい日付"),
        ({"paid_on": None}, "支払日を正しい日付"),
        ({"order_number": "1" * 41}, "支出命令番号は40文字"),
    ],
)
def test_bad_input_is_refused_in_japanese_and_writes_nothing(made, staff, budgeted, changes, message):
    with pytest.raises(Refused, match=message):
        pay(made, staff, **changes)
    assert not Expenditure.objects.exists()
    assert not FigureChange.objects.filter(stage="settled").exists()


def test_an_amount_typed_as_people_write_it_is_read(made, staff):
    assert pay(made, staff, amount_yen="１２，０００").amount_yen == 12_000


def test_only_staff_of_the_requests_ward_may(made, ward_staff, higashi, people):
    [resident] = people(1, prefix="other")
    for outsider in (ward_staff("higashi-staff", higashi), resident):
        with pytest.raises(NotAllowed):
            pay(made, outsider)
    assert not Expenditure.objects.exists()


@pytest.mark.parametrize("status", ["withdrawn", "duplicate", "declined", "referred"])
def test_a_closed_request_that_was_not_resolved_takes_no_payment(made, staff, status):
    made.status = status
    made.save()
    with pytest.raises(Conflict, match="支出を記録できません"):
        pay(made, staff)


def test_a_resolved_request_takes_payments(made, staff):
    made = actions.change_status(actor=staff, request=made, to="resolved", expected_version=made.version)
    assert pay(made, staff).amount_yen == 30_000


def test_a_refund_is_audited_and_staff_only(made, staff, ward_staff, higashi):
    paid = pay(made, staff)
    with pytest.raises(NotAllowed):
        actions.refund_expenditure(
            actor=ward_staff("higashi-staff", higashi), expenditure=paid, amount_yen=1, paid_on=DAY
        )
    actions.refund_expenditure(
        actor=staff, expenditure=paid, amount_yen=1_000, paid_on=DAY, order_number="戻-1"
    )
    entry = AuditEntry.objects.get(action="requests.refund_expenditure")
    assert entry.ward_id == made.ward_id and entry.after["refund_of"] == paid.pk


def test_no_fund_means_no_money_left_to_show(made, road):
    road.fund = None
    road.save()
    made.category = Category.objects.get(pk=road.pk)
    assert queries.fund_left(made) is None
    assert queries.spent_yen(made) == 0 and queries.expenditures_of(made) == []
