"""Scope is enforced in the write actions: each role's allowed and refused case on every ledger write path."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from tests.accounts.conftest import ALLOWED_FOR_NISHI, REFUSED_FOR_NISHI

from machi.accounts import actions as accounts_actions
from machi.accounts.actors import SYSTEM
from machi.accounts.models import CommunityGroup
from machi.audit.models import AuditEntry
from machi.facilities.actions import save_centre
from machi.facilities.models import Centre
from machi.ledger import actions
from machi.ledger.importers.csv_reader import read_csv_bytes
from machi.ledger.importers.rows import LedgerImportError
from machi.ledger.models import FigureChange, Pillar, Project


def nishi_writes(people):
    """Each ledger write path, aimed at 西区, as a function of the actor."""
    project = people["nishi_project"]
    programme = project.programme
    rows = read_csv_bytes(
        (
            "fiscal_year,ward_code,ward,pillar,no,name,status,description,initial,revised,settled\n"
            "2022,431036,西区,,2,西区地域コミュニティづくり支援事業,継続,補助金,2000,1282,1200\n"
        ).encode(),
        "nishi.csv",
    ).rows

    def move_pillar(actor):
        pillar = programme.pillars.order_by("position").last()
        pillar.description = "説明を更新"
        actions.save_pillar(actor=actor, pillar=pillar)

    def rename_project(actor):
        project.refresh_from_db()
        project.description = "事業内容を更新"
        actions.save_project(actor=actor, project=project)

    def change_programme(actor):
        programme.refresh_from_db()
        programme.vision = "金峰望む 華のあるまち西区（改）"
        actions.save_programme(actor=actor, programme=programme)

    def rename_centre(actor):
        centre = Centre.objects.get(pk=people["centre"].pk)
        centre.name_kana = "にしくちいきこみゅにてぃせんたー"
        save_centre(actor=actor, centre=centre)

    def import_rows(actor):
        report = actions.import_ledger(rows, source="nishi.csv", actor=actor)
        assert report.figure_changes == 1

    return {
        "set_figures": lambda actor: actions.set_figures(
            project, actor=actor, reason="決算", settled_yen=1_200_000
        ),
        "tag_project": lambda actor: actions.tag_project(project, ["補助金", "協働"], actor=actor),
        "save_project": rename_project,
        "save_programme": change_programme,
        "save_programme_profile": lambda actor: actions.save_programme_profile(
            actor=actor,
            ward=people["nishi"],
            fiscal_year=2022,
            allocation_yen=19_000_000,
            vision="v",
            priorities="p",
            pillars=[(p.name, p.description) for p in programme.pillars.order_by("position")],
        ),
        "save_pillar": move_pillar,
        "save_centre": rename_centre,
        "import_ledger": import_rows,
    }


WRITES = (
    "set_figures", "tag_project", "save_project", "save_programme", "save_programme_profile", "save_pillar",
    "save_centre", "import_ledger",
)  # fmt: skip


def state(people):
    project = Project.objects.get(pk=people["nishi_project"].pk)
    return (
        project.settled_yen,
        project.description,
        sorted(project.themes.values_list("name", flat=True)),
        project.programme.vision,
        list(Pillar.objects.filter(programme=project.programme).values_list("description", flat=True)),
        Centre.objects.get(pk=people["centre"].pk).name_kana,
        FigureChange.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("who", ALLOWED_FOR_NISHI)
def test_staff_of_the_ward_and_city_admins_may_write(people, write, who):
    before = state(people)
    audit_before = AuditEntry.objects.filter(actor=people[who]).count()
    nishi_writes(people)[write](people[who])
    assert state(people) != before
    assert AuditEntry.objects.filter(actor=people[who]).count() > audit_before


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("who", REFUSED_FOR_NISHI)
def test_everyone_else_is_refused_and_nothing_changes(people, write, who):
    before = state(people)
    with pytest.raises((PermissionDenied, LedgerImportError)) as refused:
        nishi_writes(people)[write](people[who])
    assert "西区" in str(refused.value) and "権限がありません" in str(refused.value)
    assert state(people) == before


def test_moving_a_project_to_another_ward_needs_both_wards(people):
    project = Project.objects.get(pk=people["nishi_project"].pk)
    project.programme = people["higashi"].programmes.get(fiscal_year=2022)
    project.pillar = None
    project.name = "移管された事業"
    project.no = 2  # 東区 already has a No.2
    with pytest.raises(PermissionDenied):
        actions.save_project(actor=people["nishi_staff"], project=project)
    with pytest.raises(ValidationError, match=r"No\. または事業名"):
        actions.save_project(actor=people["two_ward_staff"], project=project)
    project.no = 99
    with pytest.raises(PermissionDenied):
        actions.save_project(actor=people["nishi_staff"], project=project)
    actions.save_project(actor=people["two_ward_staff"], project=project)
    assert Project.objects.get(pk=project.pk).programme.ward == people["higashi"]


def test_only_a_city_admin_defines_wards(people):
    ward = people["nishi"]
    ward.name_en = "Nishi"
    for who in ("nishi_staff", "two_ward_staff", "resident"):
        with pytest.raises(PermissionDenied):
            actions.save_ward(actor=people[who], ward=ward)
    actions.save_ward(actor=people["city_admin"], ward=ward)
    assert AuditEntry.objects.filter(action="ledger.save_ward", actor=people["city_admin"]).exists()


def test_an_import_names_the_ward_out_of_scope_at_its_row(people):
    rows = read_csv_bytes(
        (
            "fiscal_year,ward_code,ward,pillar,no,name,status,description,initial,revised,settled\n"
            "2022,431028,東区,,16,自然環境魅力向上事業,,説明,0,0,0\n"
            "2022,431036,西区,,2,西区地域コミュニティづくり支援事業,継続,補助金,2000,1282,1\n"
        ).encode(),
        "two-wards.csv",
    ).rows
    with pytest.raises(LedgerImportError) as refused:
        actions.import_ledger(rows, source="two-wards.csv", actor=people["higashi_staff"])
    assert [(p.row, p.column) for p in refused.value.problems] == [(3, "ward")]
    assert Project.objects.get(pk=people["nishi_project"].pk).settled_yen == 1_228_000


def test_only_city_admins_or_the_system_create_wards_through_an_import(people):
    rows = read_csv_bytes(
        "fiscal_year,ward_code,ward,name,initial,revised,settled\n2022,431001,熊本市本庁,新しい事業,1,1,1\n".encode(),
        "new-ward.csv",
    ).rows
    with pytest.raises(LedgerImportError, match="市の管理者"):
        actions.import_ledger(rows, source="new-ward.csv", actor=people["two_ward_staff"])
    actions.import_ledger(rows, source="new-ward.csv", actor=people["city_admin"])


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("nishi_staff", True), ("city_admin", True), ("higashi_staff", False), ("resident", False)],
)
def test_group_review_is_scoped_to_the_group_ward(people, django_user_model, who, allowed):
    from django.utils import timezone

    representative = django_user_model.objects.create_user(
        "rep", email="rep@example.jp", email_verified_at=timezone.now()
    )
    group = accounts_actions.register_group(
        actor=representative,
        name="西区サークル",
        name_kana="にしくさーくる",
        kind="circle",
        ward=people["nishi"],
    )
    if allowed:
        accounts_actions.review_group(actor=people[who], group=group, approve=True)
        assert CommunityGroup.objects.get(pk=group.pk).status == "approved"
    else:
        with pytest.raises(PermissionDenied):
            accounts_actions.review_group(actor=people[who], group=group, approve=True)
        assert CommunityGroup.objects.get(pk=group.pk).status == "pending"


@pytest.mark.parametrize("who", ["nishi_staff", "resident", "centre_manager"])
def test_only_city_admins_create_people_and_grant_roles(people, who):
    with pytest.raises(PermissionDenied):
        accounts_actions.create_user(actor=people[who], username="x", email="x@example.jp", password=None)
    with pytest.raises(PermissionDenied):
        accounts_actions.grant_role(
            actor=people[who], user=people["resident"], role="ward-staff", ward=people["nishi"]
        )
    accounts_actions.grant_role(
        actor=people["city_admin"], user=people["resident"], role="ward-staff", ward=people["nishi"]
    )
    accounts_actions.create_user(
        actor=SYSTEM,
        username="y",
        email="y@example.jp",
        password=None,
        role="city-admin",
        display_name="管理 一郎",
    )


def test_tokens_are_revoked_by_their_owner_or_a_city_admin(people):
    token, _ = accounts_actions.create_token(actor=people["resident"], user=people["resident"])
    with pytest.raises(PermissionDenied):
        accounts_actions.revoke_token(actor=people["nishi_staff"], token=token)
    with pytest.raises(PermissionDenied):
        accounts_actions.create_token(actor=people["nishi_staff"], user=people["resident"])
    accounts_actions.revoke_token(actor=people["resident"], token=token)
    other, _ = accounts_actions.create_token(actor=people["resident"], user=people["resident"])
    accounts_actions.revoke_token(actor=people["city_admin"], token=other)
    assert not any(t.active for t in people["resident"].api_tokens.all())


def test_moving_a_pillar_to_another_ward_needs_both_wards(people):
    """save_pillar checks the stored row's ward as well as the new one's (it checked only the new one)."""
    pillar = people["nishi"].programmes.get(fiscal_year=2022).pillars.order_by("position").last()
    pillar.programme = people["higashi"].programmes.get(fiscal_year=2022)
    pillar.position = 99
    for who in ("higashi_staff", "nishi_staff"):
        with pytest.raises(PermissionDenied, match="権限がありません"):
            actions.save_pillar(actor=people[who], pillar=pillar)
    assert Pillar.objects.get(pk=pillar.pk).programme.ward == people["nishi"]
    actions.save_pillar(actor=people["two_ward_staff"], pillar=pillar)
    assert Pillar.objects.get(pk=pillar.pk).programme.ward == people["higashi"]


def test_a_pillar_is_validated_before_it_is_saved(people):
    pillar = people["nishi"].programmes.get(fiscal_year=2022).pillars.order_by("position").last()
    pillar.name = ""
    with pytest.raises(ValidationError):
        actions.save_pillar(actor=people["nishi_staff"], pillar=pillar)
    assert Pillar.objects.get(pk=pillar.pk).name != ""


def test_a_programme_is_validated_before_it_is_saved(people):
    programme = people["nishi"].programmes.get(fiscal_year=2022)
    programme.allocation_yen = -1
    with pytest.raises(ValidationError):
        actions.save_programme(actor=people["nishi_staff"], programme=programme)
    assert people["nishi"].programmes.get(fiscal_year=2022).allocation_yen != -1


def test_moving_a_centre_into_a_ward_out_of_scope_is_refused(people):
    """The one audited save asks scope of the stored row and of the new one."""
    centre = Centre.objects.get(pk=people["centre"].pk)
    centre.ward = people["higashi"]
    audit_before = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied, match="東区"):
        save_centre(actor=people["nishi_staff"], centre=centre)
    with pytest.raises(PermissionDenied, match="西区"):
        save_centre(actor=people["higashi_staff"], centre=centre)
    assert Centre.objects.get(pk=centre.pk).ward == people["nishi"]
    assert AuditEntry.objects.count() == audit_before
    save_centre(actor=people["two_ward_staff"], centre=centre)
    assert Centre.objects.get(pk=centre.pk).ward == people["higashi"]
    entry = AuditEntry.objects.filter(action="facilities.save_centre").latest("id")
    assert (entry.before["ward_id"], entry.after["ward_id"]) == (people["nishi"].pk, people["higashi"].pk)
