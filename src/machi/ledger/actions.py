"""Every write to the ledger. Views, the API and the CLI call these; nothing else writes.

Each action is atomic. Figures change only through `set_figures`, which appends
the change to the project's history in the same transaction.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, Max, Value
from django.db.models.functions import Cast, Concat

from machi.accounts.actions import NotAllowed, require_city_admin, require_ward
from machi.accounts.actors import actor_user
from machi.audit.actions import record
from machi.core import lgcode
from machi.core.fiscal import wareki
from machi.core.money import format_thousands
from machi.core.text import name_key, normalize
from machi.ledger.importers.rows import LedgerImportError, LedgerRow, Problem
from machi.ledger.models import FigureChange, Outcome, Pillar, Programme, Project, Stage, Theme, Ward

FIGURE_LABELS = {"initial_yen": "当初予算", "revised_yen": "2月補正後", "settled_yen": "決算額"}
ATTRIBUTE_LABELS = {
    "no": "No.",
    "name": "事業名",
    "description": "事業内容",
    "status": "区分",
    "pillar_id": "柱",
}


def set_figures(project: Project, *, actor, reason: str, **figures: int | None) -> list[FigureChange]:
    """Change any of initial_yen, revised_yen, settled_yen; each real change is kept in the history.

    Only staff of the project's ward (or a city administrator, or the system
    operator) may. A figure given with its current value is no change and leaves no entry.
    """
    unknown = set(figures) - set(FIGURE_LABELS)
    if unknown:
        raise ValueError(f"unknown figures: {sorted(unknown)}")
    if not normalize(reason):
        raise ValueError("変更の理由を入力してください")
    for value in figures.values():
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise ValueError("金額は0以上の整数（円）です")
    with transaction.atomic():
        locked = Project.objects.select_for_update().select_related("programme__ward").get(pk=project.pk)
        require_ward(actor, locked.programme.ward, "事業の金額")
        before = _project_snapshot(locked)
        changes = _write_figures(locked, reason=reason, actor=actor, figures=figures)
        if changes:
            record(
                actor=actor,
                action="ledger.set_figures",
                obj=locked,
                before=before,
                after=_project_snapshot(locked),
            )
    for field_name in figures:
        setattr(project, field_name, getattr(locked, field_name))
    return changes


def _write_figures(project: Project, *, reason: str, actor, figures: dict) -> list[FigureChange]:
    """Apply figures to a project whose row this transaction has locked; append the history."""
    changes = [
        FigureChange(
            project=project,
            stage=Stage(field_name.removesuffix("_yen")),
            old_yen=getattr(project, field_name),
            new_yen=new,
            changed_by=actor_user(actor),
            reason=reason,
        )
        for field_name, new in figures.items()
        if getattr(project, field_name) != new
    ]
    if changes:
        for change in changes:
            setattr(project, change.stage + "_yen", change.new_yen)
        project.save(update_fields=[change.stage + "_yen" for change in changes])
        FigureChange.objects.bulk_create(changes)
    return changes


@dataclass
class ImportReport:
    source: str
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    figure_changes: int = 0
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated or self.figure_changes)

    def summary(self) -> str:
        verb = "変更予定" if self.dry_run else "変更"
        return (
            f"{self.source}: 新規 {self.created} 件、更新 {self.updated} 件、変更なし {self.unchanged} 件、"
            f"金額の{verb} {self.figure_changes} 件"
        )


class _DryRunRollback(Exception):
    pass


def import_ledger(rows: list[LedgerRow], *, source: str, actor, dry_run: bool = False) -> ImportReport:
    """Write a file's rows to the ledger, all or nothing.

    Rows are matched to projects by (ward, year, No.) where a No. is given, else by
    the normalised name. A changed figure becomes a history entry whose reason names
    the import. Projects missing from the file are left as they are (and named in a
    warning): an import never deletes. With dry_run, the same work runs and is
    rolled back, so what it reports is exactly what would happen. Every ward in the
    file must be in the actor's scope; a ward out of scope is a problem like any other.
    """
    report = ImportReport(source=source, dry_run=dry_run)
    try:
        with transaction.atomic():
            problems = _apply(rows, report, actor=actor)
            if problems:
                raise LedgerImportError(problems)
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        pass
    return report


def _apply(rows: list[LedgerRow], report: ImportReport, *, actor) -> list[Problem]:
    problems: list[Problem] = []
    wards = _resolve_wards(rows, problems, actor=actor)
    groups: dict[tuple[int, int], list[LedgerRow]] = {}
    for row in rows:
        ward = wards.get(id(row))
        if ward is not None:
            groups.setdefault((ward.pk, row.fiscal_year), []).append(row)
    for group in groups.values():
        _check_duplicates(group, problems)
        for row in group:
            for field_name in FIGURE_LABELS:
                value = getattr(row, field_name)
                if value is not None and value < 0:
                    column = field_name.removesuffix("_yen")
                    problems.append(Problem.at(row.where, column, "事業の金額は負にできません"))
    if problems:
        return problems
    for (ward_pk, fiscal_year), group in groups.items():
        programme, _ = Programme.objects.get_or_create(ward_id=ward_pk, fiscal_year=fiscal_year)
        _apply_programme(programme, group, report, actor=actor)
    return problems


def _resolve_wards(rows: list[LedgerRow], problems: list[Problem], *, actor) -> dict[int, Ward]:
    """Each row's ward, by its code (checked, check digit included) or else by its name.

    A ward outside the actor's scope, or a new ward from anyone but a city
    administrator, is reported once, at its first row.
    """
    by_code = {w.code: w for w in Ward.objects.all()}
    by_name = {normalize(w.name): w for w in by_code.values()}
    resolved: dict[int, Ward] = {}
    refused: set[str] = set()
    for row in rows:
        where = row.where
        if row.ward_code:
            try:
                code = lgcode.validate(row.ward_code)
            except ValueError as error:
                problems.append(Problem.at(where, "ward_code", str(error)))
                continue
            ward = by_code.get(code)
            if ward is None:
                if not row.ward:
                    problems.append(Problem.at(where, "ward", "新しい区には区名が必要です"))
                    continue
                if normalize(row.ward) in by_name:
                    problems.append(
                        Problem.at(
                            where,
                            "ward_code",
                            f"区「{row.ward}」の団体コードは {by_name[normalize(row.ward)].code} です",
                        )
                    )
                    continue
                try:
                    require_city_admin(actor, f"区「{row.ward}」の新規登録")
                except NotAllowed as error:
                    if code not in refused:
                        problems.append(Problem.at(where, "ward_code", str(error)))
                    refused.add(code)
                    continue
                ward = Ward.objects.create(code=code, name=row.ward)
                by_code[code] = by_name[normalize(row.ward)] = ward
            elif row.ward and normalize(row.ward) != normalize(ward.name):
                problems.append(
                    Problem.at(
                        where,
                        "ward",
                        f"団体コード {code} は「{ward.name}」です（「{row.ward}」ではありません）",
                    )
                )
                continue
        else:
            ward = by_name.get(normalize(row.ward))
            if ward is None:
                problems.append(
                    Problem.at(
                        where,
                        "ward",
                        f"区「{row.ward}」が登録されていません（団体コードを指定してください）",
                    )
                )
                continue
        try:
            require_ward(actor, ward, "台帳")
        except NotAllowed as error:
            if ward.code not in refused:
                problems.append(Problem.at(where, "ward", str(error)))
            refused.add(ward.code)
            continue
        resolved[id(row)] = ward
    return resolved


def _check_duplicates(group: list[LedgerRow], problems: list[Problem]) -> None:
    seen_no: dict[int, LedgerRow] = {}
    seen_name: dict[str, LedgerRow] = {}
    for row in group:
        if row.no is not None:
            if row.no in seen_no:
                first = seen_no[row.no].where
                problems.append(
                    Problem.at(
                        row.where,
                        "no",
                        f"No.{row.no} が重複しています（{first.sheet} {first.row}行目と同じ）",
                    )
                )
            seen_no.setdefault(row.no, row)
        key = name_key(row.name)
        if key in seen_name:
            first = seen_name[key].where
            problems.append(
                Problem.at(
                    row.where,
                    "name",
                    f"事業名「{row.name}」が重複しています（{first.sheet} {first.row}行目と同じ）",
                )
            )
        seen_name.setdefault(key, row)


def _project_snapshot(project: Project) -> dict:
    """What the audit log keeps of a project: its identity, attributes and figures."""
    return {
        "no": project.no,
        "name": project.name,
        "status": project.status,
        "pillar_id": project.pillar_id,
        "description": project.description,
        **{f: getattr(project, f) for f in FIGURE_LABELS},
    }


def _match_projects(group: list[LedgerRow], existing: list[Project]) -> list[Project | None]:
    """Each row's project: by No. where the row has one, else by normalised name; None for a new one."""
    by_no = {p.no: p for p in existing if p.no is not None}
    by_name = {p.name_key: p for p in existing}
    taken: set[int] = set()
    matches: list[Project | None] = []
    for row in group:
        project = (by_no.get(row.no) if row.no is not None else None) or by_name.get(name_key(row.name))
        if project is not None and project.pk in taken:
            project = None
        if project is not None:
            taken.add(project.pk)
        matches.append(project)
    return matches


def _apply_programme(programme: Programme, group: list[LedgerRow], report: ImportReport, *, actor) -> None:
    label = f"{programme.ward.name} {wareki(programme.fiscal_year)}"
    pillars = _ensure_pillars(programme, [row.pillar for row in group if row.pillar])
    # Locked for the rest of the import: the figures compared below stay the figures written over.
    existing = list(Project.objects.select_for_update().filter(programme=programme))
    matches = _match_projects(group, existing)
    # Projects renumbered or renamed by this file step aside first (a tab never occurs in a name key), so that two of them
    # may swap numbers or names without tripping the uniqueness constraints half-way.
    moving = [
        p.pk
        for row, p in zip(group, matches, strict=True)
        if p and (p.no != row.no or p.name_key != name_key(row.name))
    ]
    Project.objects.filter(pk__in=moving).update(
        no=None, name_key=Concat(Value("\tmoving-"), Cast("pk", CharField()))
    )
    reason = f"取込: {report.source}"
    for position, (row, project) in enumerate(zip(group, matches, strict=True), start=1):
        attributes = {
            "no": row.no,
            "name": row.name,
            "description": row.description,
            "status": row.status,
            "pillar_id": pillars[row.pillar].pk if row.pillar else None,
            "position": position,
        }
        figures = {f: getattr(row, f) for f in FIGURE_LABELS}
        title = f"{label} No.{row.no or '－'} {row.name}"
        is_new = project is None
        changed_attrs = [] if is_new else [k for k, v in attributes.items() if getattr(project, k) != v]
        before = None if is_new else _project_snapshot(project)
        try:
            if is_new:
                project = Project.objects.create(programme=programme, **attributes)
            elif changed_attrs:
                for key in changed_attrs:
                    setattr(project, key, attributes[key])
                project.save()
        except IntegrityError:
            # Only a project missing from the file can still hold this No. or name; the
            # whole import is rolled back by the error.
            raise LedgerImportError(
                [
                    Problem.at(
                        row.where, "name", f"{title}: ファイルにない事業が同じ No. または事業名を使っています"
                    )
                ]
            ) from None
        changes = _write_figures(project, reason=reason, actor=actor, figures=figures)
        report.figure_changes += len(changes)
        if is_new or changes or [a for a in changed_attrs if a != "position"]:
            record(
                actor=actor,
                action="ledger.import",
                obj=project,
                before=before,
                after=_project_snapshot(project),
            )
        if is_new:
            report.created += 1
            summary = " / ".join(f"{FIGURE_LABELS[f]} {format_thousands(v)}" for f, v in figures.items())
            report.lines.append(f"+ {title}: {summary}")
            continue
        visible_attrs = [a for a in changed_attrs if a != "position"]
        if changes or visible_attrs:
            report.updated += 1
            details = [
                f"{FIGURE_LABELS[c.stage + '_yen']} {format_thousands(c.old_yen)} → {format_thousands(c.new_yen)}"
                for c in changes
            ]
            details += [f"{ATTRIBUTE_LABELS[a]}を変更" for a in visible_attrs]
            report.lines.append(f"~ {title}: " + "、".join(details))
        else:
            report.unchanged += 1
    matched = {p.pk for p in matches if p is not None}
    for project in existing:
        if project.pk not in matched:
            report.warnings.append(
                f"{label} No.{project.no or '－'} {project.name}: ファイルにないため変更していません"
            )


def _ensure_pillars(programme: Programme, names: list[str]) -> dict[str, Pillar]:
    """The programme's pillars by name; names not yet known are appended in file order."""
    pillars = {p.name: p for p in Pillar.objects.filter(programme=programme)}
    position = Pillar.objects.filter(programme=programme).aggregate(m=Max("position"))["m"] or 0
    for name in names:
        if name not in pillars:
            position += 1
            pillars[name] = Pillar.objects.create(programme=programme, name=name, position=position)
    return pillars


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
    require_ward(actor, ward, "年度計画")
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
    require_ward(actor, project.programme.ward, "事業のテーマ")
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
    require_city_admin(actor, "区の登録・変更")
    with transaction.atomic():
        before = _fields(Ward.objects.filter(pk=ward.pk).first(), WARD_FIELDS)
        ward.full_clean()
        ward.save()
        after = _fields(ward, WARD_FIELDS)
        if after != before:
            record(actor=actor, action="ledger.save_ward", obj=ward, before=before, after=after)
    return ward


def save_programme(*, actor, programme: Programme) -> Programme:
    """A programme's allocation, vision and priorities, by staff of its ward."""
    with transaction.atomic():
        stored = Programme.objects.select_for_update().filter(pk=programme.pk).first()
        if stored is not None:
            require_ward(actor, stored.ward, "年度計画")
        require_ward(actor, programme.ward, "年度計画")
        before = _fields(stored, PROGRAMME_FIELDS)
        programme.save()
        after = _fields(programme, PROGRAMME_FIELDS)
        if after != before:
            record(actor=actor, action="ledger.save_programme", obj=programme, before=before, after=after)
    return programme


def save_pillar(*, actor, pillar: Pillar) -> Pillar:
    with transaction.atomic():
        require_ward(actor, pillar.programme.ward, "柱")
        before = _fields(Pillar.objects.filter(pk=pillar.pk).first(), PILLAR_FIELDS)
        pillar.save()
        after = _fields(pillar, PILLAR_FIELDS)
        if after != before:
            record(actor=actor, action="ledger.save_pillar", obj=pillar, before=before, after=after)
    return pillar


def delete_pillar(*, actor, pillar: Pillar) -> None:
    """A pillar still holding projects is kept (the database protects it)."""
    with transaction.atomic():
        require_ward(actor, pillar.programme.ward, "柱")
        record(
            actor=actor,
            action="ledger.delete_pillar",
            obj=pillar,
            before=_fields(pillar, PILLAR_FIELDS),
            after=None,
        )
        pillar.delete()


def save_project(*, actor, project: Project) -> Project:
    """A project's number, name, description, status, pillar and order; never its figures.

    Figures change only through set_figures, with a reason. A new project starts
    with none. Moving a project to another ward's programme needs both wards in scope.
    """
    with transaction.atomic():
        stored = (
            Project.objects.select_for_update()
            .select_related("programme__ward")
            .filter(pk=project.pk)
            .first()
        )
        if stored is not None:
            require_ward(actor, stored.programme.ward, "事業")
        require_ward(actor, project.programme.ward, "事業")
        if project.pillar_id is not None and project.pillar.programme_id != project.programme_id:
            raise ValidationError({"pillar": "この柱は選んだ区・年度のものではありません。"})
        before = None if stored is None else _project_snapshot(stored)
        try:
            with transaction.atomic():
                if stored is None:
                    for field_name in FIGURE_LABELS:
                        setattr(project, field_name, None)
                    project.save()
                else:
                    project.save(update_fields=[*PROJECT_FIELDS, "name_key"])
        except IntegrityError:
            raise ValidationError("同じ区・年度に、同じ No. または事業名の事業がすでにあります") from None
        if stored is not None:
            for field_name in FIGURE_LABELS:
                setattr(project, field_name, getattr(stored, field_name))
        after = _project_snapshot(project)
        if after != before:
            record(actor=actor, action="ledger.save_project", obj=project, before=before, after=after)
    return project


WARD_FIELDS = ("code", "name", "name_en", "city_name", "city_code")
PROGRAMME_FIELDS = ("ward_id", "fiscal_year", "allocation_yen", "vision", "priorities")
PILLAR_FIELDS = ("programme_id", "position", "name", "description")
PROJECT_FIELDS = ("programme", "pillar", "position", "no", "name", "description", "status")


def _fields(obj, names) -> dict | None:
    return None if obj is None else {name: getattr(obj, name) for name in names}


@dataclass(frozen=True)
class OutcomeFigure:
    metric: str
    label: str
    value: Decimal | int
    unit: str = ""


@dataclass
class OutcomePosting:
    outcomes: list[Outcome]
    withdrawn: int


def post_outcomes(
    *, actor, project: Project, source: str, period_start, period_end, figures: list[OutcomeFigure]
) -> OutcomePosting:
    """A service posts its figures for a period to the project, replacing what it posted for that period.

    A figure given again with the same value changes nothing; a figure the service posted
    before and no longer gives is withdrawn. Scoped to the project's ward like every ledger
    write, and each real change is audited.
    """
    require_ward(actor, project.programme.ward, "事業の成果")
    period = {"project": project, "source": source, "period_start": period_start, "period_end": period_end}
    posted = []
    with transaction.atomic():
        earlier = {
            outcome.metric: outcome for outcome in Outcome.objects.select_for_update().filter(**period)
        }
        for figure in figures:
            value = Decimal(figure.value).quantize(Decimal("0.01"))
            after = {"metric": figure.metric, "label": figure.label, "value": str(value), "unit": figure.unit}
            outcome = earlier.pop(figure.metric, None)
            before = None if outcome is None else _outcome_snapshot(outcome)
            if outcome is None:
                outcome = Outcome.objects.create(
                    **period, metric=figure.metric, label=figure.label, value=value, unit=figure.unit
                )
            elif before != after:
                outcome.label, outcome.value, outcome.unit = figure.label, value, figure.unit
                outcome.save()
            if before != after:
                record(actor=actor, action="ledger.post_outcome", obj=outcome, before=before, after=after)
            posted.append(outcome)
        for outcome in earlier.values():
            record(
                actor=actor,
                action="ledger.withdraw_outcome",
                obj=outcome,
                before=_outcome_snapshot(outcome),
                after=None,
            )
            outcome.delete()
    return OutcomePosting(outcomes=posted, withdrawn=len(earlier))


def _outcome_snapshot(outcome: Outcome) -> dict:
    value = Decimal(outcome.value).quantize(Decimal("0.01"))
    return {"metric": outcome.metric, "label": outcome.label, "value": str(value), "unit": outcome.unit}
