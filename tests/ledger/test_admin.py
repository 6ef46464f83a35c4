"""The ledger in Django's admin: figures change only through set_figures, with who and why; history is read only."""

import pytest
from django.urls import reverse

from machi.accounts.actors import SYSTEM
from machi.ledger import actions
from machi.ledger.models import FigureChange, Project, Ward


@pytest.fixture
def project(db):
    ward = Ward.objects.create(code="431010", name="中央区", city_name="熊本市")
    programme = actions.save_programme_profile(
        ward=ward,
        fiscal_year=2022,
        allocation_yen=19_000_000,
        vision="",
        priorities="",
        pillars=[("負担軽減", "")],
        actor=SYSTEM,
    )
    project = Project.objects.create(
        programme=programme, pillar=programme.pillars.get(), no=1, name="ICT化支援事業", status="新規"
    )
    actions.set_figures(
        project, reason="取込", initial_yen=1_000_000, revised_yen=1_800_000, settled_yen=None, actor=SYSTEM
    )
    return project


def change_url(project) -> str:
    return reverse("admin:ledger_project_change", args=[project.pk])


def form_data(response, **changes) -> dict:
    """What the browser would post back from an admin form as shown, with some fields changed."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = [str(v) for v in value] if isinstance(value, list | tuple) else str(value)
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_project_change_form_shows_figures_in_thousands_with_a_reason_field(admin_client, project):
    response = admin_client.get(change_url(project))
    assert response.status_code == 200
    html = response.content.decode()
    assert "当初予算（千円）" in html and "変更理由" in html
    form = response.context["adminform"].form
    assert form["initial_yen"].value() == "1,000"
    assert form["settled_yen"].value() is None


def test_editing_a_figure_in_admin_records_it_with_the_reason_and_the_user(admin_client, admin_user, project):
    form = admin_client.get(change_url(project))
    response = admin_client.post(
        change_url(project), form_data(form, revised_yen="１，５００", change_reason="2月補正で減額")
    )
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    project.refresh_from_db()
    assert project.revised_yen == 1_500_000
    change = FigureChange.objects.filter(project=project).latest("id")
    assert (change.stage, change.old_yen, change.new_yen) == ("revised", 1_800_000, 1_500_000)
    assert change.reason == "2月補正で減額"
    assert change.changed_by == admin_user


def test_setting_a_figure_to_dash_records_none_not_zero(admin_client, project):
    form = admin_client.get(change_url(project))
    admin_client.post(change_url(project), form_data(form, initial_yen="―", change_reason="計上取りやめ"))
    project.refresh_from_db()
    assert project.initial_yen is None
    assert FigureChange.objects.filter(project=project, stage="initial").latest("id").new_yen is None


def test_changing_a_figure_without_a_reason_is_refused_and_changes_nothing(admin_client, project):
    form = admin_client.get(change_url(project))
    response = admin_client.post(change_url(project), form_data(form, settled_yen="1,700", name="改名"))
    assert response.status_code == 200
    assert "金額を変更するときは変更理由を入力してください" in response.content.decode()
    project.refresh_from_db()
    assert (project.settled_yen, project.name) == (None, "ICT化支援事業")
    assert FigureChange.objects.filter(project=project).count() == 2


@pytest.mark.parametrize("typed", ["abc", "△100", "1.2345", "=SUM(A1)"])
def test_a_figure_that_cannot_be_read_is_refused(admin_client, project, typed):
    form = admin_client.get(change_url(project))
    response = admin_client.post(change_url(project), form_data(form, settled_yen=typed, change_reason="x"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["settled_yen"]
    assert FigureChange.objects.filter(project=project).count() == 2


def test_editing_other_fields_needs_no_reason_and_leaves_no_history(admin_client, project):
    form = admin_client.get(change_url(project))
    response = admin_client.post(change_url(project), form_data(form, description="説明を追加"))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.description == "説明を追加"
    assert (project.initial_yen, project.revised_yen) == (1_000_000, 1_800_000)
    assert FigureChange.objects.filter(project=project).count() == 2


def test_adding_a_project_with_figures_records_them_in_its_history(admin_client, admin_user, project):
    add_url = reverse("admin:ledger_project_add")
    form = admin_client.get(add_url)
    data = form_data(
        form,
        programme=str(project.programme_id),
        pillar=str(project.pillar_id),
        no="2",
        position="2",
        name="見守り事業",
        initial_yen="300",
        change_reason="新規計上",
    )
    response = admin_client.post(add_url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    added = Project.objects.get(name="見守り事業")
    assert added.initial_yen == 300_000 and added.revised_yen is None
    [change] = FigureChange.objects.filter(project=added)
    assert (change.stage, change.old_yen, change.new_yen, change.changed_by) == (
        "initial",
        None,
        300_000,
        admin_user,
    )


def test_project_change_form_shows_the_history_newest_first_read_only(admin_client, admin_user, project):
    admin_user.display_name = "市 管理者"  # the history names the person, not their login
    admin_user.save(update_fields=["display_name"])
    actions.set_figures(project, reason="決算の確定", actor=admin_user, settled_yen=1_750_000)
    response = admin_client.get(change_url(project))
    html = response.content.decode()
    assert "金額の変更履歴（追記のみ・編集できません）" in html
    history = html[html.index('<table class="figure-history">') :]
    history = history[: history.index("</table>")]
    assert history.index("決算の確定") < history.index("取込")
    assert (
        '<td class="num">―</td><td class="num">1,750</td><td class="num">1,750</td><td>市 管理者</td><td>決算の確定</td>'
        in history
    )
    assert "<input" not in history and "<textarea" not in history
    assert "figure_history" not in response.context["adminform"].form.fields


def test_project_list_shows_ward_year_and_figures_in_thousands(admin_client, project):
    response = admin_client.get(reverse("admin:ledger_project_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("中央区", "令和4年度", "ICT化支援事業", "新規", "1,000", "1,800", "当初予算（千円）"):
        assert text in html


def test_project_list_filters_by_ward_year_and_status_and_searches_by_name(admin_client, project):
    url = reverse("admin:ledger_project_changelist")
    ward = project.programme.ward
    for query, found in [
        (f"programme__ward__id__exact={ward.pk}", True),
        ("fiscal_year=2022", True),
        ("fiscal_year=2021", False),
        ("status__exact=新規", True),
        ("status__exact=継続", False),
        ("q=ICT化", True),
        ("q=ＩＣＴ化", True),  # full-width letters, as people type them
        ("q=見守り", False),
    ]:
        response = admin_client.get(f"{url}?{query}")
        assert response.status_code == 200, query
        assert (project.name in response.content.decode()) is found, query


def test_project_with_history_cannot_be_deleted_in_admin(admin_client, project):
    response = admin_client.post(reverse("admin:ledger_project_delete", args=[project.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Project.objects.filter(pk=project.pk).exists()


def test_figure_changes_cannot_be_added_in_admin(admin_client, project):
    response = admin_client.get(reverse("admin:ledger_figurechange_add"))
    assert response.status_code == 403


def test_figure_changes_cannot_be_changed_in_admin(admin_client, project):
    change = FigureChange.objects.filter(project=project).first()
    url = reverse("admin:ledger_figurechange_change", args=[change.pk])
    assert admin_client.get(url).status_code == 200  # to read
    response = admin_client.post(url, {"reason": "改ざん", "new_yen": "1"})
    assert response.status_code == 403
    change.refresh_from_db()
    assert change.reason == "取込"


def test_figure_changes_cannot_be_deleted_in_admin(admin_client, project):
    change = FigureChange.objects.filter(project=project).first()
    response = admin_client.post(
        reverse("admin:ledger_figurechange_delete", args=[change.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert FigureChange.objects.filter(pk=change.pk).exists()
    changelist = admin_client.get(reverse("admin:ledger_figurechange_changelist"))
    assert changelist.status_code == 200
    assert changelist.context["cl"].model_admin.get_actions(changelist.wsgi_request) == {}  # no bulk delete


def test_figure_change_admin_grants_no_write_permission_even_to_a_superuser(
    admin_client, admin_user, project
):
    from django.contrib import admin

    model_admin = admin.site._registry[FigureChange]
    request = admin_client.get(reverse("admin:ledger_figurechange_changelist")).wsgi_request
    request.user = admin_user
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_programme_admin_edits_pillars_inline(admin_client, project):
    programme = project.programme
    response = admin_client.get(reverse("admin:ledger_programme_change", args=[programme.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "負担軽減" in html and "19,000" in html


def test_ward_and_theme_admins_list_their_rows(admin_client, project):
    actions.tag_project(project, ["ICT"], actor=SYSTEM)
    assert "中央区" in admin_client.get(reverse("admin:ledger_ward_changelist")).content.decode()
    assert "ICT" in admin_client.get(reverse("admin:ledger_theme_changelist")).content.decode()
