"""Single records as staff and the admin edit them: wards, programmes (with their pillars), pillars,
projects and their themes."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from machi.accounts.scope import require_city_admin, require_ward
from machi.audit.actions import audited_save, record
from machi.core.text import normalize
from machi.ledger.actions.commitments import keep_services_in_place
from machi.ledger.actions.figures import FIGURE_LABELS, project_snapshot
from machi.ledger.models import Pillar, Programme, Project, Theme, Ward


def save_programme_profile(
    *,
    actor,
    ward: Ward,
    fiscal_year: int,
    allocation_yen: int | None,
    vision: str,
    priorities: str,
    pillars: list[tuple[str, str]],
) -> Programme:
    """A programme's allocation, vision, priorities and ordered pillars (name, description).

    Pillars keep their identity by name; their order becomes the order given.
    """
    require_ward(actor, ward, pgettext("scope", "年度計画"))
    with transaction.atomic():
        programme, created = Programme.objects.select_for_update().get_or_create(
            ward=ward, fiscal_year=fiscal_year
        )
        before = None if created else _programme_snapshot(programme)
        programme.allocation_yen = allocation_yen
        programme.vision = vision
        programme.priorities = priorities
        programme.save()
        existing = {p.name: p for p in Pillar.objects.filter(programme=programme)}
        # Move every pillar out of the way first: positions are unique per programme.
        offset = 1000
        for pillar in existing.values():
            pillar.position += offset
            pillar.save(update_fields=["position"])
        for position, (name, description) in enumerate(pillars, start=1):
            pillar = existing.get(name) or Pillar(programme=programme, name=name)
            pillar.position = position
            pillar.description = description
            pillar.save()
        after = _programme_snapshot(programme)
        if after != before:
            record(
                actor=actor, action="ledger.save_programme_profile", obj=programme, before=before, after=after
            )
    return programme


def _programme_snapshot(programme: Programme) -> dict:
    return {
        "allocation_yen": programme.allocation_yen,
        "vision": programme.vision,
        "priorities": programme.priorities,
        "pillars": list(programme.pillars.order_by("position").values_list("name", flat=True)),
    }


def tag_project(project: Project, theme_names: list[str], *, actor) -> None:
    """Set a project's themes, creating a theme the first time it is named."""
    require_ward(actor, project.programme.ward, pgettext("scope", "事業のテーマ"))
    with transaction.atomic():
        before = sorted(project.themes.values_list("name", flat=True))
        themes = [Theme.objects.get_or_create(name=normalize(name))[0] for name in theme_names]
        project.themes.set(themes)
        after = sorted(t.name for t in themes)
        if after != before:
            record(
                actor=actor,
                action="ledger.tag_project",
                obj=project,
                before={"themes": before},
                after={"themes": after},
            )


# --- Single records, as the admin edits them -------------------------------------------


def save_ward(*, actor, ward: Ward) -> Ward:
    """Define or change a ward (a city administrator's job); its code's check digit is validated."""
    return audited_save(
        actor=actor,
        obj=ward,
        action="ledger.save_ward",
        scope=lambda actor, ward: require_city_admin(actor, _("区の登録・変更")),
        fields=WARD_FIELDS,
    )


def save_programme(*, actor, programme: Programme) -> Programme:
    """A programme's allocation, vision and priorities, by staff of its ward (and of the ward it moves from).

    A programme whose projects a service's record belongs to (a grant programme) keeps its year and ward.
    """

    def services_stay(programme: Programme, stored: Programme | None) -> None:
        if stored is not None and (stored.fiscal_year, stored.ward_id) != (
            programme.fiscal_year,
            programme.ward_id,
        ):
            keep_services_in_place(Project.objects.filter(programme=stored), programme=programme)

    return audited_save(
        actor=actor,
        obj=programme,
        action="ledger.save_programme",
        scope=lambda actor, programme: require_ward(actor, programme.ward, pgettext("scope", "年度計画")),
        fields=PROGRAMME_FIELDS,
        prepare=services_stay,
    )


def save_pillar(*, actor, pillar: Pillar) -> Pillar:
    """A pillar's name, description and order, by staff of its programme's ward (and of the stored one's)."""
    return audited_save(
        actor=actor,
        obj=pillar,
        action="ledger.save_pillar",
        scope=lambda actor, pillar: require_ward(actor, pillar.programme.ward, pgettext("scope", "柱")),
        fields=PILLAR_FIELDS,
    )


def delete_pillar(*, actor, pillar: Pillar) -> None:
    """A pillar still holding projects is kept (the database protects it)."""
    with transaction.atomic():
        # The stored row decides whose it is: the object given may name another programme.
        stored = Pillar.objects.select_for_update().select_related("programme__ward").get(pk=pillar.pk)
        require_ward(actor, stored.programme.ward, pgettext("scope", "柱"))
        record(
            actor=actor,
            action="ledger.delete_pillar",
            obj=stored,
            before=_fields(stored, PILLAR_FIELDS),
            after=None,
        )
        stored.delete()


def save_project(*, actor, project: Project) -> Project:
    """A project's number, name, description, status, pillar and order; never its figures.

    Figures change only through set_figures, with a reason. A new project starts
    with none. Moving a project to another ward's programme needs both wards in scope; a project
    a service's record belongs to (a grant programme) stays in that record's ward and year.
    """

    def figures_stay_as_they_are(project: Project, stored: Project | None) -> None:
        if project.pillar_id is not None and project.pillar.programme_id != project.programme_id:
            raise ValidationError({"pillar": _("この柱は選んだ区・年度のものではありません。")})
        if stored is not None and stored.programme_id != project.programme_id:
            keep_services_in_place([stored], programme=project.programme)
        for field_name in FIGURE_LABELS:
            setattr(project, field_name, None if stored is None else getattr(stored, field_name))

    return audited_save(
        actor=actor,
        obj=project,
        action="ledger.save_project",
        scope=lambda actor, project: require_ward(actor, project.programme.ward, pgettext("scope", "事業")),
        snapshot=project_snapshot,
        prepare=figures_stay_as_they_are,
        update_fields=[*PROJECT_FIELDS, "name_key"],
        duplicate=_("同じ区・年度に、同じ No. または事業名の事業がすでにあります"),
    )


WARD_FIELDS = ("code", "name", "name_en", "city_name", "city_code")
PROGRAMME_FIELDS = ("ward_id", "fiscal_year", "allocation_yen", "vision", "priorities")
PILLAR_FIELDS = ("programme_id", "position", "name", "description")
PROJECT_FIELDS = ("programme", "pillar", "position", "no", "name", "description", "status")


def _fields(obj, names) -> dict | None:
    return None if obj is None else {name: getattr(obj, name) for name in names}
