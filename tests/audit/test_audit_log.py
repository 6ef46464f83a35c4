"""Every write action leaves an audit entry: actor, time, object, before and after. Append-only."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from machi.accounts import actions as accounts_actions
from machi.accounts.actors import SYSTEM
from machi.audit.models import AppendOnlyError, AuditEntry
from machi.ledger import actions
from machi.ledger.models import Project


def test_a_figure_change_is_audited_with_before_and_after(kumamoto, ward_staff):
    project = Project.objects.get(programme__ward__name="北区", no=7)
    staff = ward_staff("kita", project.programme.ward)
    before = timezone.now()
    actions.set_figures(project, actor=staff, reason="ビジョン検証の決算", settled_yen=990_000)
    entry = AuditEntry.objects.for_object(project).filter(action="ledger.set_figures").get()
    assert (entry.actor, entry.actor_label, entry.ward.name) == (staff, "kita", "北区")
    assert entry.at >= before
    assert (entry.before["settled_yen"], entry.after["settled_yen"]) == (0, 990_000)
    assert entry.before["name"] == "北区まちづくりビジョン検証"


def test_the_command_line_operator_is_recorded_as_system(kumamoto):
    entry = AuditEntry.objects.filter(action="ledger.import").first()
    assert entry.actor is None and entry.actor_label == "system"
    assert entry.before is None and entry.after["initial_yen"] is not None


def test_people_actions_are_audited_too(db):
    user = accounts_actions.create_user(actor=SYSTEM, username="sato", email="sato@example.jp", password=None)
    accounts_actions.update_profile(actor=user, user=user, phone="096-000-0000")
    token, _ = accounts_actions.create_token(actor=user, user=user)
    accounts_actions.revoke_token(actor=user, token=token)
    actions_seen = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions_seen == [
        "accounts.create_user",
        "accounts.update_profile",
        "accounts.create_token",
        "accounts.revoke_token",
    ]
    profile = AuditEntry.objects.get(action="accounts.update_profile")
    assert (profile.before["phone"], profile.after["phone"]) == ("", "096-000-0000")
    assert (
        list(AuditEntry.objects.by_actor(user).values_list("action", flat=True).order_by("id"))
        == actions_seen[1:]
    )


def test_an_unchanged_save_leaves_no_entry(kumamoto):
    project = Project.objects.get(programme__ward__name="北区", no=7)
    count = AuditEntry.objects.count()
    actions.save_project(actor=SYSTEM, project=project)
    actions.set_figures(project, actor=SYSTEM, reason="同じ値", settled_yen=0)
    assert AuditEntry.objects.count() == count


def test_entries_cannot_be_rewritten_or_deleted(kumamoto):
    entry = AuditEntry.objects.first()
    entry.action = "tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_writes_without_an_actor_are_refused(kumamoto):
    project = Project.objects.get(programme__ward__name="北区", no=7)
    with pytest.raises(TypeError):
        actions.set_figures(project, reason="誰が？", settled_yen=1)  # the missing actor is the point
    with pytest.raises(PermissionDenied):
        actions.set_figures(project, actor=None, reason="誰が？", settled_yen=1)
    assert Project.objects.get(pk=project.pk).settled_yen == 0


def test_the_queryset_cannot_rewrite_or_delete_entries_either(kumamoto):
    count = AuditEntry.objects.count()
    assert count > 0
    with pytest.raises(AppendOnlyError, match="監査ログは追記のみです"):
        AuditEntry.objects.all().update(action="tampered")
    with pytest.raises(AppendOnlyError, match="監査ログは削除できません"):
        AuditEntry.objects.filter(pk=AuditEntry.objects.first().pk).delete()
    assert AuditEntry.objects.count() == count
    assert not AuditEntry.objects.filter(action="tampered").exists()
