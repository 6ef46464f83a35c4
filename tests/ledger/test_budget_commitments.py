"""Every door that changes a project's budget or place holds it to what services have committed on it:
the API, the admin (the staff's page) and the import refuse a budget below the decisions unless a reason
is stated, and refuse to move a grant's project or programme to another year; nothing is written then."""

# The grants' fixtures are imported by name, and a test names them as its arguments.
# ruff: noqa: F811

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from tests.grants.conftest import (  # noqa: F401  (fixtures)
    applicant,
    category,
    decided,
    draft,
    grants,
    group,
    lines,
    nishi,
    programme,
    small,
    staff,
    submitted,
)
from tests.ledger.test_admin import form_data

from machi.accounts.actions import create_token
from machi.accounts.actors import SYSTEM
from machi.audit.models import AuditEntry
from machi.ledger.importers import import_path
from machi.ledger.importers.rows import LedgerImportError
from machi.ledger.models import BudgetShortfall, FigureChange, Programme, Project

REASON = "交付決定の一部取消を予定（6月の審査会で決定）"


def ledger_state(project: Project) -> tuple:
    project.refresh_from_db()
    return (
        project.programme_id,
        project.initial_yen,
        project.revised_yen,
        project.settled_yen,
        FigureChange.objects.filter(project=project).count(),
        BudgetShortfall.objects.count(),
    )


def check_text() -> str:
    out = StringIO()
    call_command("ledger", "check", "--year", "2022", stdout=out)
    return out.getvalue()


@pytest.fixture
def project(decided, programme) -> Project:
    """西区 No.2, whose grant programme has decided 200,000 yen."""
    return programme.project


# --- PATCH /api/projects/{id} -------------------------------------------------------------------


def patch(user, project_id, body):
    _, plain = create_token(actor=SYSTEM, user=user)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {plain}")
    return client.patch(
        f"/api/projects/{project_id}", json.dumps(body, ensure_ascii=False), content_type="application/json"
    )


def test_the_api_refuses_a_budget_below_the_decisions_and_changes_nothing(project, staff):
    before = ledger_state(project)
    response = patch(staff, project.pk, {"revised": 150_000, "reason": "2月補正で減額"})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "ledger.below_commitments"
    assert "予算 150,000円が、決定済みの 200,000円" in body["detail"]
    assert "交付決定済み 200,000円" in body["detail"]
    assert ledger_state(project) == before


def test_the_api_accepts_the_cut_with_a_stated_reason_audits_it_and_the_check_lists_it(project, staff):
    response = patch(
        staff,
        project.pk,
        {"revised": 150_000, "reason": "2月補正で減額", "below_commitments_reason": REASON},
    )
    assert response.status_code == 200, response.content
    assert response.json()["revised"] == 150_000
    audit = AuditEntry.objects.get(action="ledger.budget_below_commitments")
    assert (audit.actor, audit.after["reason"], audit.after["committed_yen"]) == (staff, REASON, 200_000)
    text = check_text()
    assert f"{project.name}: 予算 150,000円が決定済みの 200,000円を下回っています" in text
    assert f"理由: {REASON}" in text


def test_the_api_refuses_control_characters_in_the_stated_reason(project, staff):
    before = ledger_state(project)
    response = patch(
        staff, project.pk, {"revised": 150_000, "reason": "減額", "below_commitments_reason": "理由\x00"}
    )
    assert response.status_code == 400
    assert ledger_state(project) == before


# --- The admin (the staff's page for projects and programmes) ------------------------------------


def change_url(project) -> str:
    return reverse("admin:ledger_project_change", args=[project.pk])


def test_the_admin_shows_a_cut_below_the_decisions_as_a_form_error_and_changes_nothing(admin_client, project):
    before = ledger_state(project)
    form = admin_client.get(change_url(project))
    response = admin_client.post(
        change_url(project), form_data(form, revised_yen="150", change_reason="2月補正で減額")
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["below_commitments_reason"]
    assert "決定済みの 200,000円" in errors[0]
    assert ledger_state(project) == before


def test_the_admin_accepts_the_cut_with_a_stated_reason(admin_client, admin_user, project):
    form = admin_client.get(change_url(project))
    response = admin_client.post(
        change_url(project),
        form_data(form, revised_yen="150", change_reason="2月補正で減額", below_commitments_reason=REASON),
    )
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert ledger_state(project)[2] == 150_000
    kept = BudgetShortfall.objects.get(project=project)
    assert (kept.reason, kept.stated_by) == (REASON, admin_user)
    assert f"理由: {REASON}" in check_text()


def test_the_admin_refuses_to_move_a_grant_project_to_another_year_as_a_form_error(admin_client, project):
    later = Programme.objects.create(ward=project.programme.ward, fiscal_year=2031)
    before = ledger_state(project)
    form = admin_client.get(change_url(project))
    response = admin_client.post(change_url(project), form_data(form, programme=str(later.pk), pillar=""))
    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors["programme"]
    assert "令和13年度 西区に移すことはできません" in error
    assert ledger_state(project) == before


def test_the_admin_refuses_to_move_a_grant_projects_programme_to_another_year(admin_client, project):
    year = project.programme
    before = ledger_state(project)
    url = reverse("admin:ledger_programme_change", args=[year.pk])
    form = admin_client.get(url)
    response = admin_client.post(url, form_data(form, fiscal_year="2031"))
    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors["fiscal_year"]
    assert "令和13年度 西区に移すことはできません" in error
    assert Programme.objects.get(pk=year.pk).fiscal_year == 2022
    assert ledger_state(project) == before


def test_the_admin_still_moves_a_project_no_service_uses(admin_client, project):
    other = Project.objects.get(programme=project.programme, no=1)
    later = Programme.objects.create(ward=project.programme.ward, fiscal_year=2031)
    form = admin_client.get(change_url(other))
    response = admin_client.post(change_url(other), form_data(form, programme=str(later.pk), pillar=""))
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert Project.objects.get(pk=other.pk).programme == later


# --- The import ------------------------------------------------------------------------------


def csv_row(project: Project, *, revised_yen: int) -> str:
    header = "fiscal_year,ward_code,ward,pillar,no,name,status,description,initial,revised,settled\n"
    thousand = lambda yen: "―" if yen is None else str(yen // 1000)  # noqa: E731
    ward = project.programme.ward
    return (
        header
        + ",".join(
            [
                "2022",
                ward.code,
                ward.name,
                project.pillar.name if project.pillar else "",
                str(project.no),
                project.name,
                project.status,
                json.dumps(project.description, ensure_ascii=False),
                thousand(project.initial_yen),
                thousand(revised_yen),
                thousand(project.settled_yen),
            ]
        )
        + "\n"
    )


def test_an_import_lowering_a_grant_budget_below_the_decisions_is_refused_at_its_row(tmp_path, project):
    path = tmp_path / "ledger.csv"
    path.write_text(csv_row(project, revised_yen=150_000), encoding="utf-8")
    before = ledger_state(project)
    with pytest.raises(LedgerImportError) as refused:
        import_path(path, actor=SYSTEM)
    [problem] = refused.value.problems
    assert (problem.row, problem.column) == (2, "revised")
    assert "決定済みの 200,000円" in problem.message and "理由を指定してください" in problem.message
    assert ledger_state(project) == before  # all or nothing


def test_an_import_with_a_stated_reason_lowers_the_budget_and_the_check_lists_it(tmp_path, project):
    path = tmp_path / "ledger.csv"
    path.write_text(csv_row(project, revised_yen=150_000), encoding="utf-8")
    dry = import_path(path, actor=SYSTEM, dry_run=True, below_commitments_reason=REASON)
    assert dry.figure_changes == 1 and ledger_state(project)[2] != 150_000
    assert not BudgetShortfall.objects.exists()

    out, err = StringIO(), StringIO()
    call_command("ledger", "import", str(path), "--below-commitments-reason", REASON, stdout=out, stderr=err)
    assert f"（理由: {REASON}）" in err.getvalue()
    assert ledger_state(project)[2] == 150_000
    assert AuditEntry.objects.filter(action="ledger.budget_below_commitments").count() == 1
    assert f"理由: {REASON}" in check_text()


def test_a_grant_decided_between_the_imports_plan_and_its_write_refuses_the_import(
    tmp_path, project, decided, monkeypatch
):
    """The plan saw room for the new budget; a decision made meanwhile took it: 409, nothing written."""
    from machi.grants.models import Application
    from machi.ledger.actions import imports

    Application.objects.filter(pk=decided.pk).update(decided_yen=150_000)
    path = tmp_path / "ledger.csv"
    path.write_text(csv_row(project, revised_yen=180_000), encoding="utf-8")  # above the 150,000 decided
    plan = imports._plan

    def a_decision_meanwhile(*args, **kwargs):
        made = plan(*args, **kwargs)
        Application.objects.filter(pk=decided.pk).update(decided_yen=200_000)
        return made

    monkeypatch.setattr(imports, "_plan", a_decision_meanwhile)
    before = ledger_state(project)
    with pytest.raises(imports.LedgerChangedDuringImport):
        import_path(path, actor=SYSTEM)
    assert ledger_state(project) == before
