"""The grants and the ledger agree: what a programme has decided stays within its project's budget, and a
programme stays in its fiscal year, whichever side a change comes from."""

from io import StringIO

import pytest
from django.core.management import call_command

from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.grants import actions
from machi.grants.models import GrantProgramme
from machi.ledger import actions as ledger_actions
from machi.ledger.models import BudgetShortfall, FigureChange, Programme, Project
from machi.ledger.queries import commitments_of, ledger_check


def figures(project: Project) -> tuple:
    project.refresh_from_db()
    return project.initial_yen, project.revised_yen, project.settled_yen


def test_the_grants_tell_the_ledger_what_each_programme_has_decided_in_one_query(
    decided, programme, django_assert_num_queries
):
    projects = list(Project.objects.for_year(2022))
    with django_assert_num_queries(1):
        found = commitments_of(projects)
    assert len(found) == GrantProgramme.objects.count() == 4
    [commitment] = found[programme.project_id]
    assert (commitment.committed_yen, commitment.fiscal_year, commitment.ward_id) == (
        200_000,
        2022,
        programme.ward_id,
    )
    assert commitment.label == f"補助金「{programme.name}」：交付決定済み 200,000円"
    others = [c for held in found.values() for c in held if c.project_id != programme.project_id]
    assert all(c.committed_yen == 0 for c in others)


def test_a_budget_cut_below_the_decisions_is_refused_naming_the_grant_and_changes_nothing(
    decided, programme, staff
):
    project = programme.project
    before, history = figures(project), FigureChange.objects.filter(project=project).count()
    with pytest.raises(ledger_actions.BelowCommitments) as refused:
        ledger_actions.set_figures(project, actor=staff, reason="2月補正で減額", revised_yen=150_000)
    message = str(refused.value.messages[0])
    assert refused.value.code == "ledger.below_commitments"
    assert "予算 150,000円が、決定済みの 200,000円" in message
    assert f"補助金「{programme.name}」：交付決定済み 200,000円" in message
    assert figures(project) == before
    assert FigureChange.objects.filter(project=project).count() == history
    assert not BudgetShortfall.objects.exists()


def test_a_budget_cut_that_still_holds_the_decisions_needs_no_reason(decided, programme, staff):
    ledger_actions.set_figures(programme.project, actor=staff, reason="2月補正で減額", revised_yen=200_000)
    assert figures(programme.project)[1] == 200_000
    assert "below_commitments" not in [f.kind for f in ledger_check(2022)["西区"]]


def test_a_settled_figure_changes_freely_even_where_the_budget_is_short(decided, programme, staff):
    Project.objects.filter(pk=programme.project_id).update(revised_yen=100_000)  # inconsistent already
    ledger_actions.set_figures(programme.project, actor=staff, reason="決算", settled_yen=90_000)
    assert figures(programme.project)[2] == 90_000


def test_with_a_stated_reason_the_cut_is_kept_audited_and_listed_by_the_check(decided, programme, staff):
    project = programme.project
    ledger_actions.set_figures(
        project,
        actor=staff,
        reason="2月補正で減額",
        below_commitments_reason="交付決定の一部取消を予定（6月の審査会で決定）",
        revised_yen=150_000,
    )
    assert figures(project)[1] == 150_000
    [kept] = BudgetShortfall.objects.filter(project=project)
    assert (kept.budget_yen, kept.committed_yen, kept.stated_by) == (150_000, 200_000, staff)
    audit = AuditEntry.objects.filter(action="ledger.budget_below_commitments").get()
    assert audit.after["reason"] == "交付決定の一部取消を予定（6月の審査会で決定）"
    assert (audit.actor, audit.object_id, audit.ward_id) == (staff, str(project.pk), programme.ward_id)

    assert [f.kind for f in ledger_check(2022)["西区"]].count("below_commitments") == 1
    out = StringIO()
    call_command("ledger", "check", "--year", "2022", stdout=out)
    text = out.getvalue()
    assert (
        f"No.2 {project.name}: 予算 150,000円が決定済みの 200,000円を下回っています"
        f"（補助金「{programme.name}」：交付決定済み 200,000円）。"
        "理由: 交付決定の一部取消を予定（6月の審査会で決定）"
    ) in text


def test_the_check_finds_a_short_budget_however_it_came_about(decided, programme):
    Project.objects.filter(pk=programme.project_id).update(revised_yen=None, initial_yen=None)
    [finding] = [f for f in ledger_check(2022)["西区"] if f.kind == "below_commitments"]
    assert "予算 ―円が決定済みの 200,000円を下回っています" in finding.message
    assert finding.message.endswith("理由の記録はありません")


def test_a_grant_programme_keeps_its_fiscal_year(programme, staff):
    later = Programme.objects.create(ward=programme.ward, fiscal_year=2031)
    other = Project.objects.create(programme=later, name="令和13年度の補助金")
    moved = GrantProgramme.objects.get(pk=programme.pk)
    moved.fiscal_year, moved.project = 2031, other
    with pytest.raises(actions.GrantRefused) as refused:
        actions.save_programme(actor=staff, programme=moved)
    assert refused.value.code == "grants.programme_year_fixed"
    assert "令和4年度 西区のものです" in refused.value.messages[0]
    stored = GrantProgramme.objects.get(pk=programme.pk)
    assert (stored.fiscal_year, stored.project_id) == (2022, programme.project_id)


def test_a_grant_programme_moves_only_to_a_project_whose_budget_holds_its_decisions(
    decided, programme, staff
):
    small = Project.objects.create(programme=programme.project.programme, name="小さな事業")
    ledger_actions.set_figures(small, actor=SYSTEM, reason="計上", initial_yen=100_000)
    moved = GrantProgramme.objects.get(pk=programme.pk)
    moved.project = small
    with pytest.raises(actions.EnvelopeExceeded) as refused:
        actions.save_programme(actor=staff, programme=moved)
    assert (
        "予算 100,000円では、この制度の交付決定済みの 200,000円をまかなえません" in refused.value.messages[0]
    )
    assert GrantProgramme.objects.get(pk=programme.pk).project_id == programme.project_id


def test_the_ledger_keeps_a_grant_project_in_its_year_and_ward(programme, staff):
    project = programme.project
    ward_year = project.programme_id
    later = Programme.objects.create(ward=programme.ward, fiscal_year=2031)
    project.programme, project.pillar = later, None
    with pytest.raises(ledger_actions.ServiceInAnotherYear) as refused:
        ledger_actions.save_project(actor=staff, project=project)
    assert refused.value.code == "ledger.service_in_another_year"
    assert "令和13年度 西区に移すことはできません" in refused.value.messages[0]
    assert Project.objects.get(pk=project.pk).programme.fiscal_year == 2022

    year = Programme.objects.get(pk=ward_year)
    year.fiscal_year = 2030
    with pytest.raises(ledger_actions.ServiceInAnotherYear) as refused:
        ledger_actions.save_programme(actor=staff, programme=year)
    assert "令和12年度 西区に移すことはできません" in refused.value.messages[0]
    assert Programme.objects.get(pk=ward_year).fiscal_year == 2022


def test_the_check_and_the_ward_report_find_short_budgets_in_a_fixed_number_of_queries(
    decided, programme, django_assert_max_num_queries
):
    Project.objects.filter(pk=programme.project_id).update(revised_yen=100_000)
    # Programmes, projects, the grants' commitments, the reasons stated.
    with django_assert_max_num_queries(4):
        findings = ledger_check(2022)
    assert [f.kind for f in findings["西区"]].count("below_commitments") == 1
    assert all(
        "below_commitments" not in [f.kind for f in found]
        for ward, found in findings.items()
        if ward != "西区"
    )

    from machi.reports.queries import ward_report

    report = ward_report(programme.project.programme)
    assert "予算 100,000円が決定済みの 200,000円を下回っています" in " ".join(
        f.message for f in report.findings
    )
