"""A ward's programme carried forward to a later fiscal year (`carry_forward`): the plan goes on, the money
starts again.

The target year gets the source's allocation, vision, priorities, its pillars in order and its projects (No.,
order, name, description, pillar, themes), each project marked 継続 unless the caller says otherwise. Its
当初予算 is what the caller gives (project No. → yen, typed in 千円 on the staff page or read from a sheet by
`ledger.importers.initial_budget`), or left ― (not budgeted, never 0); 2月補正後 and 決算額 start empty. Each
initial figure is written through the ledger's figure path (`write_figures`), so it opens the project's
history with who and why.

All or nothing, within the actor's ward, audited like an import: one entry for the programme and one per
project created. A preview runs this very action and rolls it back (`preview_carry_forward`), so what staff
and `--dry-run` are shown is what a confirmation writes.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from machi.accounts.scope import require_ward
from machi.audit.actions import audit_entry, record, record_all
from machi.core.errors import Conflict, Refused
from machi.core.fiscal import wareki
from machi.core.money import MAX_YEN
from machi.core.text import name_key, normalize
from machi.ledger.actions.figures import project_snapshot, write_figures
from machi.ledger.models import Pillar, Programme, Project


class CarryForwardRefused(Refused):
    """The carry-forward was refused for its input (400): a year, an amount, a project number."""

    default_code = "ledger.carry_forward_refused"


class TargetYearTaken(Conflict):
    """The target year already has a programme with projects (409): carrying forward never overwrites."""

    default_code = "ledger.carry_forward_target_taken"


@dataclass
class CarriedProject:
    """One project as created, kept as plain values so a preview survives its rollback."""

    no: int | None
    name: str
    pillar: str
    status: str
    themes: list[str]
    initial_yen: int | None
    source_revised_yen: int | None


@dataclass
class CarryForwardResult:
    programme: Programme
    source: Programme
    pillars: list[str] = field(default_factory=list)
    projects: list[CarriedProject] = field(default_factory=list)
    figure_changes: int = 0

    @property
    def initial_total_yen(self) -> int | None:
        amounts = [p.initial_yen for p in self.projects if p.initial_yen is not None]
        return sum(amounts) if amounts else None

    def lines(self) -> list[str]:
        """What was created, one line each, for the command line."""
        from machi.core.money import format_thousands

        ward = self.programme.ward.name
        lines = [
            f"{wareki(self.source.fiscal_year)} {ward} → {wareki(self.programme.fiscal_year)} {ward}",
            f"柱 {len(self.pillars)} 件: " + "、".join(self.pillars),
        ]
        for project in self.projects:
            initial = format_thousands(project.initial_yen)
            unit = "" if project.initial_yen is None else " 千円"
            lines.append(
                f"  No.{project.no or '－'} {project.name}（{project.status or '区分なし'}）当初予算 {initial}{unit}"
            )
        total = self.initial_total_yen
        lines.append(
            f"事業 {len(self.projects)} 件、当初予算の合計 {format_thousands(total)}"
            f"{'' if total is None else ' 千円'}、金額の履歴 {self.figure_changes} 件"
        )
        return lines


def carry_forward(
    *,
    actor,
    programme: Programme,
    to_year: int,
    initial_yen_by_project: Mapping[int, int | None] | None = None,
    status_by_project: Mapping[int, str] | None = None,
    carried_status: str = Project.Status.CONTINUING,
    reason: str = "",
    public_reason: str = "",
    is_demo: bool = False,
) -> CarryForwardResult:
    """Create `programme.ward`'s programme for `to_year` from `programme`; see the module's docstring.

    `initial_yen_by_project` maps a project's No. to its 当初予算 in yen (None: not budgeted); projects it
    does not name start without one. `status_by_project` sets a project's 区分 (新規 / 継続 / 拡充 / ""),
    else `carried_status`. `reason` is kept with each initial figure in its history (for staff);
    `public_reason` is what the public is told instead (empty: the stage's label, 当初予算の計上).
    """
    source = Programme.objects.select_related("ward").get(pk=programme.pk)
    ward = source.ward
    require_ward(actor, ward, pgettext("scope", "年度計画"))
    if not isinstance(to_year, int) or isinstance(to_year, bool) or to_year <= source.fiscal_year:
        raise CarryForwardRefused(
            _("引き継ぐ先の年度は%(year)sより後の年度にしてください") % {"year": wareki(source.fiscal_year)}
        )
    if to_year > 2200:
        raise CarryForwardRefused(_("引き継ぐ先の年度を確認してください（%(year)s）") % {"year": to_year})
    statuses = set(Project.Status.values)
    sources = list(
        Project.objects.filter(programme=source)
        .select_related("pillar")
        .prefetch_related("themes")
        .order_by("position", "no", "pk")
    )
    numbers = {p.no for p in sources if p.no is not None}
    initial = _checked_amounts(initial_yen_by_project or {}, numbers)
    status_by_project = dict(status_by_project or {})
    unknown = sorted(no for no in status_by_project if no not in numbers)
    if unknown:
        raise CarryForwardRefused(_unknown_numbers(unknown))
    for status in [carried_status, *status_by_project.values()]:
        if status not in statuses:
            raise CarryForwardRefused(_("区分は 新規・継続・拡充 のいずれか（または空欄）です"))
    reason = normalize(reason) or _("%(year)sからの引継ぎ（当初予算）") % {"year": wareki(source.fiscal_year)}

    try:
        with transaction.atomic():
            target = Programme.objects.select_for_update().filter(ward=ward, fiscal_year=to_year).first()
            if target is not None and target.projects.exists():
                raise TargetYearTaken(
                    _("%(year)s %(ward)sの年度計画にはすでに事業があります（引き継ぎは上書きしません）")
                    % {"year": wareki(to_year), "ward": ward.name}
                )
            target = _programme(target, source, to_year, is_demo)
            pillars = _pillars(target, source)
            result = CarryForwardResult(programme=target, source=source, pillars=[p.name for p in pillars])
            pillar_of = {
                p.pk: new for p, new in zip(source.pillars.order_by("position"), pillars, strict=True)
            }
            created = Project.objects.bulk_create(
                [
                    Project(
                        programme=target,
                        pillar=pillar_of.get(old.pillar_id),
                        position=old.position,
                        no=old.no,
                        name=old.name,
                        name_key=name_key(old.name),  # bulk_create skips Project.save, which sets it
                        description=old.description,
                        status=status_by_project.get(old.no, carried_status),
                    )
                    for old in sources
                ]
            )
            Through = Project.themes.through
            Through.objects.bulk_create(
                Through(project_id=new.pk, theme_id=theme.pk)
                for old, new in zip(sources, created, strict=True)
                for theme in old.themes.all()
            )
            for old, new in zip(sources, created, strict=True):
                changes = write_figures(
                    new,
                    reason=reason,
                    public_reason=public_reason,
                    actor=actor,
                    figures={"initial_yen": initial.get(old.no)},
                )
                result.figure_changes += len(changes)
                result.projects.append(
                    CarriedProject(
                        no=new.no,
                        name=new.name,
                        pillar=new.pillar.name if new.pillar else "",
                        status=new.status,
                        themes=sorted(theme.name for theme in old.themes.all()),
                        initial_yen=new.initial_yen,
                        source_revised_yen=old.revised_yen,
                    )
                )
            record(
                actor=actor,
                action="ledger.carry_forward",
                obj=target,
                before=None,
                after={
                    "from_fiscal_year": source.fiscal_year,
                    "fiscal_year": to_year,
                    "is_demo": target.is_demo,
                    "allocation_yen": target.allocation_yen,
                    "pillars": result.pillars,
                    "projects": len(created),
                    "initial_total_yen": result.initial_total_yen,
                },
            )
            record_all(
                [
                    audit_entry(
                        actor=actor,
                        action="ledger.carry_forward",
                        obj=project,
                        before=None,
                        after=project_snapshot(project),
                    )
                    for project in created
                ]
            )
    except IntegrityError:
        # Someone created the year's programme or its pillars between our look and our write.
        raise TargetYearTaken(
            _("%(year)s %(ward)sの年度計画が同時に変更されました。もう一度お試しください")
            % {"year": wareki(to_year), "ward": ward.name}
        ) from None
    return result


def preview_carry_forward(**arguments) -> CarryForwardResult:
    """Run `carry_forward` and roll it back: what a confirmation would write, with nothing written."""
    with transaction.atomic():
        result = carry_forward(**arguments)
        transaction.set_rollback(True)
    return result


def _checked_amounts(amounts: Mapping, numbers: set[int]) -> dict[int, int | None]:
    checked: dict[int, int | None] = {}
    for no, yen in amounts.items():
        if yen is not None and (not isinstance(yen, int) or isinstance(yen, bool)):
            raise CarryForwardRefused(
                _("No.%(no)s の当初予算が金額（円の整数）ではありません: %(value)s")
                % {"no": no, "value": yen}
            )
        if yen is not None and yen < 0:
            raise CarryForwardRefused(_("No.%(no)s の当初予算がマイナスです") % {"no": no})
        if yen is not None and yen > MAX_YEN:
            raise CarryForwardRefused(_("No.%(no)s の当初予算が大きすぎます") % {"no": no})
        checked[no] = yen
    unknown = sorted((no for no in checked if no not in numbers), key=str)
    if unknown:
        raise CarryForwardRefused(_unknown_numbers(unknown))
    return checked


def _unknown_numbers(unknown: list) -> str:
    return _("次の No. の事業は引き継ぐ年度計画にありません: %(numbers)s") % {
        "numbers": "、".join(f"No.{no}" for no in unknown)
    }


def _programme(target: Programme | None, source: Programme, to_year: int, is_demo: bool) -> Programme:
    target = target or Programme(ward=source.ward, fiscal_year=to_year)
    target.allocation_yen = source.allocation_yen
    target.vision = source.vision
    target.priorities = source.priorities
    target.is_demo = is_demo
    target.save()
    return target


def _pillars(target: Programme, source: Programme) -> list[Pillar]:
    """The source's pillars in order; a pillar the (empty) target already holds by name is reused."""
    existing = {p.name: p for p in Pillar.objects.filter(programme=target)}
    offset = 1000  # positions are unique per programme: move the existing ones out of the way first
    for pillar in existing.values():
        pillar.position += offset
        pillar.save(update_fields=["position"])
    pillars = []
    for old in source.pillars.order_by("position"):
        pillar = existing.get(old.name) or Pillar(programme=target, name=old.name)
        pillar.position, pillar.description = old.position, old.description
        pillar.save()
        pillars.append(pillar)
    return pillars
