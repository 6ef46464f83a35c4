"""A figure's history as the public sees it: the office that changed it and a label, never the person
nor the reason typed; staff (the admin) still see both."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

from machi.accounts.actors import SYSTEM
from machi.accounts.models import RoleGrant
from machi.accounts.public import public_actor_label
from machi.ledger import actions
from machi.ledger.models import FigureChange, Project, Ward
from machi.ledger.queries import public_history


@pytest.fixture
def chuo(db):
    return Ward.objects.create(code="431010", name="中央区", city_name="熊本市")


@pytest.fixture
def project(chuo):
    programme = actions.save_programme_profile(
        ward=chuo,
        fiscal_year=2022,
        allocation_yen=19_000_000,
        vision="",
        priorities="",
        pillars=[("負担軽減", "")],
        actor=SYSTEM,
    )
    return Project.objects.create(
        programme=programme, pillar=programme.pillars.get(), no=1, name="ICT化支援事業"
    )


@pytest.fixture
def city_admin(django_user_model):
    user = django_user_model.objects.create_user("sato@example.jp", display_name="佐藤花子", is_staff=True)
    RoleGrant.objects.create(user=user, role="city-admin")
    return user


def test_the_system_a_ward_s_staff_and_a_city_administrator_are_named_by_office(
    chuo, ward_staff, city_admin, django_user_model
):
    staff = ward_staff("suzuki@example.jp", chuo, display_name="鈴木一郎", phone="090-1111-2222")
    superuser = django_user_model.objects.create_superuser("root", email="root@example.jp")
    former_staff = django_user_model.objects.create_user("former@example.jp", display_name="元職員")
    without_city = Ward(name="北区")
    assert public_actor_label(None, chuo) == "システム"
    assert public_actor_label(staff, chuo) == "中央区役所"
    assert public_actor_label(city_admin, chuo) == "熊本市役所"
    assert public_actor_label(superuser, without_city) == "市役所"
    # Only a ward's staff (or the city) may change its figures: whoever did and has no role now did it as staff.
    assert public_actor_label(former_staff, chuo) == "中央区役所"


def test_a_change_typed_by_staff_shows_a_generic_label_for_its_stage_not_its_reason(
    project, ward_staff, chuo
):
    staff = ward_staff("suzuki", chuo, display_name="鈴木一郎")
    actions.set_figures(project, actor=SYSTEM, reason="当初予算の計上（山田さんより）", initial_yen=1_000)
    actions.set_figures(project, actor=staff, reason="鈴木が訂正 090-1111-2222", initial_yen=2_000)
    actions.set_figures(project, actor=staff, reason="補正（鈴木）", revised_yen=1_500)
    actions.set_figures(project, actor=staff, reason="補正の見直し（鈴木）", revised_yen=1_600)
    actions.set_figures(project, actor=staff, reason="決算（鈴木）", settled_yen=1_400)
    actions.set_figures(project, actor=staff, reason="決算の訂正（鈴木）", settled_yen=1_450)
    history = public_history(project)
    assert [(c.stage_label, c.old_yen, c.new_yen, c.changed_by, c.reason) for c in history] == [
        ("当初予算", None, 1_000, "システム", "当初予算の計上"),
        ("当初予算", 1_000, 2_000, "中央区役所", "訂正"),
        ("2月補正後", None, 1_500, "中央区役所", "2月補正"),
        ("2月補正後", 1_500, 1_600, "中央区役所", "訂正"),
        ("決算額", None, 1_400, "中央区役所", "決算"),
        ("決算額", 1_400, 1_450, "中央区役所", "決算"),
    ]
    # What was typed is kept, for staff.
    assert FigureChange.objects.filter(project=project).latest("id").reason == "決算の訂正（鈴木）"


def test_a_service_s_posting_shows_the_label_it_gave(project, city_admin):
    actions.set_figures(
        project,
        actor=city_admin,
        reason="補助金の支払い: 山田太郎の会 秘密の計画（申請番号 G2022-00009）",
        public_reason="補助金の支払い（申請番号 G2022-00009）",
        settled_yen=50_000,
    )
    (change,) = public_history(project)
    assert (change.changed_by, change.reason) == ("熊本市役所", "補助金の支払い（申請番号 G2022-00009）")


def test_the_public_history_reads_a_fixed_number_of_queries(
    project, chuo, ward_staff, city_admin, django_assert_max_num_queries
):
    actions.set_figures(project, actor=ward_staff("a", chuo), reason="x", initial_yen=1)
    with django_assert_max_num_queries(4) as few:
        public_history(project)
    for number, name in enumerate("bcdefg", start=2):
        actions.set_figures(project, actor=ward_staff(name, chuo), reason="x", initial_yen=number)
    actions.set_figures(project, actor=city_admin, reason="x", initial_yen=100)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(public_history(project)) == 8


def test_the_shipped_dataset_s_history_says_the_system_imported_it(kumamoto):
    project = Project.objects.filter(programme__fiscal_year=2022).order_by("id").first()
    history = public_history(project)
    assert history and {(c.changed_by, c.reason) for c in history} == {("システム", "取込")}


def test_the_admin_still_shows_staff_the_person_and_the_reason(admin_client, project, ward_staff, chuo):
    staff = ward_staff("suzuki", chuo, display_name="鈴木一郎")
    actions.set_figures(project, actor=staff, reason="鈴木が訂正 090-1111-2222", initial_yen=2_000)
    page = admin_client.get(reverse("admin:ledger_project_change", args=[project.pk])).content.decode()
    assert "鈴木一郎" in page and "鈴木が訂正 090-1111-2222" in page


def test_the_migration_gives_existing_rows_the_label_their_reason_s_prefix_says(project):
    migration = importlib.import_module("machi.ledger.migrations.0004_figurechange_public_reason")
    reasons = [
        "補助金の支払い: 山田太郎の会 秘密の計画（申請番号 G2022-00009）",
        "補助金の返還: 山田太郎の会 秘密の計画（申請番号 G2022-00009） 理由: 山田（090-1111-2222）",
        "取込: /home/suzuki/決算2022.xlsx",
        "2月補正で減額（鈴木）",
    ]
    FigureChange.objects.bulk_create(
        FigureChange(project=project, stage="settled", new_yen=n, reason=reason)
        for n, reason in enumerate(reasons)
    )
    state = MigrationLoader(connection).project_state(("ledger", "0004_figurechange_public_reason"))
    migration.fill_public_reasons(state.apps, None)
    assert list(FigureChange.objects.order_by("id").values_list("public_reason", flat=True)) == [
        "補助金の支払い（申請番号 G2022-00009）",
        "補助金の返還（申請番号 G2022-00009）",
        "取込",
        "",
    ]
