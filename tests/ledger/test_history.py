"""Every change of a figure is kept: who, when, why; the history is append-only."""

import pytest
from django.utils import timezone

from machi.accounts.actors import SYSTEM
from machi.ledger.actions import set_figures
from machi.ledger.models import AppendOnlyError, FigureChange, Programme, Project, Ward


@pytest.fixture
def project(db):
    ward = Ward.objects.create(code="431010", name="中央区")
    programme = Programme.objects.create(ward=ward, fiscal_year=2022, allocation_yen=19_000_000)
    return Project.objects.create(programme=programme, no=1, name="デジタル化実証実験事業")


def test_a_change_records_who_when_why_before_and_after(project, ward_staff):
    staff = ward_staff("tanaka", project.programme.ward)
    before = timezone.now()
    changes = set_figures(project, revised_yen=1_800_000, reason="2月補正", actor=staff)
    (change,) = changes
    assert (change.stage, change.old_yen, change.new_yen, change.reason) == (
        "revised",
        None,
        1_800_000,
        "2月補正",
    )
    assert change.changed_by == staff
    assert change.changed_at >= before and change.changed_at.tzinfo is not None
    project.refresh_from_db()
    assert project.revised_yen == 1_800_000


def test_setting_the_same_value_leaves_no_entry(project):
    set_figures(project, initial_yen=1_000_000, reason="当初", actor=SYSTEM)
    assert set_figures(project, initial_yen=1_000_000, reason="当初", actor=SYSTEM) == []
    assert FigureChange.objects.count() == 1


def test_going_back_to_none_is_a_change_too(project):
    set_figures(project, initial_yen=0, reason="当初", actor=SYSTEM)
    set_figures(project, initial_yen=None, reason="予算計上なしに訂正", actor=SYSTEM)
    assert list(FigureChange.objects.for_project(project).values_list("old_yen", "new_yen")) == [
        (None, 0),
        (0, None),
    ]


def test_a_change_needs_a_reason_and_sane_yen(project):
    with pytest.raises(ValueError, match="理由"):
        set_figures(project, initial_yen=1, reason=" ", actor=SYSTEM)
    with pytest.raises(ValueError, match="0以上の整数"):
        set_figures(project, initial_yen=-1, reason="x", actor=SYSTEM)
    with pytest.raises(ValueError, match="0以上の整数"):
        set_figures(project, initial_yen=1.5, reason="x", actor=SYSTEM)
    assert FigureChange.objects.count() == 0


def test_history_rows_cannot_be_rewritten_or_deleted(project):
    (change,) = set_figures(project, initial_yen=1_000_000, reason="当初", actor=SYSTEM)
    change.reason = "書き換え"
    with pytest.raises(AppendOnlyError):
        change.save()
    with pytest.raises(AppendOnlyError):
        change.delete()
    assert FigureChange.objects.get().reason == "当初"


def test_the_database_refuses_negative_money(project):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(settled_yen=-1)


def test_a_project_with_history_cannot_be_deleted(project):
    from django.db.models import ProtectedError

    set_figures(project, initial_yen=1_000_000, reason="当初", actor=SYSTEM)
    with pytest.raises(ProtectedError):
        project.delete()


def test_the_queryset_cannot_rewrite_or_delete_history_either(project):
    set_figures(project, initial_yen=1_000_000, reason="当初", actor=SYSTEM)
    with pytest.raises(AppendOnlyError, match="金額の変更履歴は追記のみです"):
        FigureChange.objects.all().update(reason="書き換え")
    with pytest.raises(AppendOnlyError, match="金額の変更履歴は削除できません"):
        FigureChange.objects.for_project(project).delete()
    with pytest.raises(AppendOnlyError):
        project.figure_changes.all().delete()
    assert FigureChange.objects.get().reason == "当初"
