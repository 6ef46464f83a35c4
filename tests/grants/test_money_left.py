"""Budgets agree with the ledger: the grants pages, the project page, the ward report and the API show one
money left for a project (`machi.ledger.queries.money_left`): its budget less its 決算額 less what is
decided and not yet paid. A decision beyond it is refused unless staff say why, and `machi ledger check`
lists it with the reason."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from tests.grants.conftest import spent_before

from machi.grants import actions
from machi.grants.models import Application
from machi.ledger.models import BudgetShortfall
from machi.ledger.queries import ledger_check

BUDGET = 1_282_000  # 西区 No.2, 2月補正後
SPENT = 1_000_000  # settled before any grant of these tests


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def shown(client, programme) -> dict[str, int]:
    """The money left of 西区 No.2 as each surface shows it, in yen."""

    def yen(page: str, after: str) -> int:
        found = re.search(re.escape(after) + r" (△|-)?([\d,]+) ?円?", page)
        assert found, f"{after} not on the page"
        value = int(found.group(2).replace(",", ""))
        return -value if found.group(1) else value

    project = programme.project
    grants_page = text(client.get("/grants/", {"year": 2022})).split("西区")[1]
    project_page = text(client.get(f"/projects/{project.pk}/"))
    staff_page = text(client.get(f"/grants/manage/programmes/{programme.pk}/"))
    report = text(client.get(f"/reports/2022/{programme.ward.code}/"))
    report_row = report.split("決定済みで未払い 予算の残り")[1].split(project.name)[1]
    api_project = client.get(f"/api/projects/{project.pk}").json()
    api_programme = next(
        p for p in client.get("/api/grants/programmes", {"year": 2022}).json() if p["id"] == programme.pk
    )
    return {
        "grants": yen(grants_page, "予算の残り"),
        "project": yen(project_page, "予算の残り"),
        "staff": yen(staff_page, "予算の残り"),
        "report": int(report_row.split()[3].replace(",", "")),
        "api_project": api_project["money_left"],
        "api_programme": api_programme["left"],
    }


def agree(client, programme, expected: int) -> None:
    figures = shown(client, programme)
    assert set(figures.values()) == {expected}, figures


@pytest.fixture
def spent(programme):
    spent_before(programme, SPENT)
    programme.refresh_from_db()
    return programme


def test_every_page_shows_one_money_left_at_each_step(
    client, spent, staff, submitted, applicant, lines, django_capture_on_commit_callbacks
):
    programme = spent
    client.force_login(staff)
    agree(client, programme, BUDGET - SPENT)  # 282,000

    actions.start_review(actor=staff, application=submitted)
    decided = actions.decide(actor=staff, application=submitted, amount_yen=200_000)
    agree(client, programme, BUDGET - SPENT - 200_000)  # decided, not paid: 82,000

    actions.report_results(
        actor=applicant,
        application=decided,
        expenses=lines(("謝礼金", 90_000), ("印刷製本費", 420_000), ("飲食費", 40_000)),
    )
    confirmed = actions.confirm_amount(actor=staff, application=decided)
    assert confirmed.confirmed_yen == 170_000
    agree(client, programme, BUDGET - SPENT - 170_000)  # the confirmed amount holds: 112,000

    actions.pay(actor=staff, application=confirmed)
    agree(client, programme, BUDGET - (SPENT + 170_000))  # now in 決算額, counted once: 112,000

    actions.record_repayment(actor=staff, application=confirmed, amount_yen=20_000, reason="講師謝礼の過払い")
    agree(client, programme, BUDGET - (SPENT + 150_000))  # 決算額 went down: 132,000


def test_a_decision_beyond_the_money_left_is_refused_and_names_the_figures(spent, staff, submitted):
    actions.start_review(actor=staff, application=submitted)
    spent_before(spent, 1_200_000)  # 82,000 left
    with pytest.raises(actions.EnvelopeExceeded) as refused:
        actions.decide(actor=staff, application=submitted, amount_yen=200_000)
    message = str(refused.value)
    assert "予算の残りは82,000円です" in message
    assert "予算 1,282,000円 − 決算 1,200,000円 − 決定済みで未払い 0円 = 残り 82,000円" in message
    assert "理由を入力してください" in message
    assert Application.objects.get().status == "under_review"
    assert not BudgetShortfall.objects.exists()


def test_a_decision_beyond_the_money_left_with_a_reason_is_kept_and_listed_by_the_check(
    spent, staff, submitted
):
    actions.start_review(actor=staff, application=submitted)
    spent_before(spent, 1_200_000)
    assert ledger_check(2022, with_reasons=True)["西区"] == [] or all(
        f.kind != "overdrawn" for f in ledger_check(2022)["西区"]
    )

    actions.decide(
        actor=staff, application=submitted, amount_yen=200_000, overdraw_reason="3月補正で増額の予定"
    )

    assert Application.objects.get().status == "decided"
    kept = BudgetShortfall.objects.get()
    assert (kept.budget_yen, kept.committed_yen, kept.reason, kept.stated_by) == (
        BUDGET,
        1_400_000,
        "3月補正で増額の予定",
        staff,
    )
    listed = [f for f in ledger_check(2022, with_reasons=True)["西区"] if f.kind == "overdrawn"]
    assert len(listed) == 1
    assert "残り -118,000円" in listed[0].message and "理由: 3月補正で増額の予定" in listed[0].message
    public = [f for f in ledger_check(2022)["西区"] if f.kind == "overdrawn"]
    assert "3月補正" not in public[0].message and "理由は区が記録しています" in public[0].message

    out = StringIO()
    call_command("ledger", "check", "--year", "2022", stdout=out)
    assert "3月補正で増額の予定" in out.getvalue()


def test_staff_decide_beyond_the_money_left_on_the_page_only_with_a_reason(client, spent, staff, submitted):
    spent_before(spent, 1_200_000)
    client.force_login(staff)
    url = f"/grants/manage/applications/{submitted.pk}/decide/"
    refused = client.post(url, {"amount_yen": "200000"})
    assert refused.status_code == 400
    assert "予算の残りは82,000円です" in text(refused)

    taken = client.post(url, {"amount_yen": "200000", "overdraw_reason": "3月補正で増額の予定"})
    assert taken.status_code == 302
    assert BudgetShortfall.objects.get().reason == "3月補正で増額の予定"
