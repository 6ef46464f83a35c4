"""The ledger read from files (`import_ledger`): every row checked, written all or nothing; a dry run
reports exactly what would change.

Two phases, so that an import holds the write lock (on SQLite, the whole database's) only while it
writes: `_plan` reads what is stored and works out everything (the problems, what to create and
change, the report) without writing and outside any transaction; `_write` writes that plan in one
short transaction, after checking that nothing the plan read has changed meanwhile. A dry run is the
plan alone, the very one a real import would write: it never writes and never takes the write lock.
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from machi.accounts.actors import actor_user
from machi.accounts.scope import NotAllowed, require_city_admin, require_ward
from machi.audit.actions import audit_entry, record_all
from machi.core import lgcode
from machi.core.bulk import update_each
from machi.core.errors import Conflict
from machi.core.fiscal import wareki
from machi.core.money import format_thousands
from machi.core.text import name_key, normalize
from machi.ledger.actions.commitments import BelowCommitments, hold_commitments
from machi.ledger.actions.figures import ATTRIBUTE_LABELS, FIGURE_LABELS, project_snapshot
from machi.ledger.importers.rows import LedgerImportError, LedgerRow, Problem
from machi.ledger.models import FigureChange, Pillar, Programme, Project, Stage, Ward
from machi.ledger.queries import budget_of, shortfalls_of


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


class LedgerChangedDuringImport(Conflict):
    """What an import's plan relied on was changed by someone else before it could be written (409)."""

    default_code = "ledger.changed_during_import"


# What the plan read of a project and `_write` compares before writing over it.
_PROJECT_STATE = (
    "pk", "programme_id", "no", "name", "name_key", "description", "status", "pillar_id", "position",
    *FIGURE_LABELS,
)  # fmt: skip
_ATTRIBUTES = ("no", "name", "description", "status", "pillar_id", "position")
_NEW_PILLAR = object()  # the pillar_id of a pillar the import creates: equal to no stored project's


@dataclass
class _ProjectPlan:
    """One row of the file: the stored project it matched (None for a new one) and what changes."""

    row: LedgerRow
    programme: "_ProgrammePlan"
    project: Project | None  # after `_write`, the project written
    pillar: Pillar | None
    position: int
    changed_attrs: list[str]
    changed_figures: list[str]
    before: dict | None  # the stored project's snapshot; None for a new one

    @property
    def audited(self) -> bool:
        visible = [a for a in self.changed_attrs if a != "position"]
        return self.before is None or bool(self.changed_figures or visible)

    @property
    def moving(self) -> bool:
        project = self.project
        return project is not None and (
            project.no != self.row.no or project.name_key != name_key(self.row.name)
        )


@dataclass
class _ProgrammePlan:
    programme: Programme  # unsaved where the import creates it
    new_pillars: list[Pillar]
    projects: list[_ProjectPlan] = field(default_factory=list)


@dataclass
class _Plan:
    report: ImportReport
    problems: list[Problem] = field(default_factory=list)
    new_wards: list[Ward] = field(default_factory=list)
    programmes: list[_ProgrammePlan] = field(default_factory=list)
    # What was read, to be read again before writing: the wards, and for the programmes' wards and years,
    # the programmes, their pillars and their projects.
    ward_state: set[tuple] = field(default_factory=set)
    programme_keys: tuple[list[int], list[int]] = ([], [])
    programme_state: set[tuple] = field(default_factory=set)
    pillar_state: set[tuple] = field(default_factory=set)
    project_state: set[tuple] = field(default_factory=set)
    # Stored projects whose budget (2月補正後, else 当初予算) the file changes: checked against commitments.
    budget_changes: list[_ProjectPlan] = field(default_factory=list)
    below_commitments_reason: str = ""


def import_ledger(
    rows: list[LedgerRow], *, source: str, actor, dry_run: bool = False, below_commitments_reason: str = ""
) -> ImportReport:
    """Write a file's rows to the ledger, all or nothing.

    Rows are matched to projects by (ward, year, No.) where a No. is given, else by
    the normalised name. A changed figure becomes a history entry whose reason names
    the import. Projects missing from the file are left as they are (and named in a
    warning): an import never deletes. With dry_run, the plan a real import would
    write is reported and nothing is written. Every ward in the file must be in the
    actor's scope; a ward out of scope is a problem like any other. If the ledger
    changes between planning and writing, the import is refused with
    `LedgerChangedDuringImport` and nothing is written. A budget lowered below what
    services have committed against the project is a problem too, unless
    `below_commitments_reason` says why (`hold_commitments`).
    """
    plan = _plan(rows, source=source, actor=actor, below_commitments_reason=below_commitments_reason)
    if plan.problems:
        raise LedgerImportError(plan.problems)
    plan.report.dry_run = dry_run
    if not dry_run:
        _write(plan, actor=actor)
    return plan.report


def _plan(rows: list[LedgerRow], *, source: str, actor, below_commitments_reason: str = "") -> _Plan:
    """Everything the import will do, read from the ledger as it stands; writes nothing."""
    plan = _Plan(
        report=ImportReport(source=source, dry_run=False), below_commitments_reason=below_commitments_reason
    )
    problems = plan.problems
    wards = _resolve_wards(rows, plan, actor=actor)
    groups: dict[tuple[str, int], list[LedgerRow]] = {}
    for row in rows:
        ward = wards.get(id(row))
        if ward is not None:
            groups.setdefault((ward.code, row.fiscal_year), []).append(row)
    for group in groups.values():
        _check_duplicates(group, problems)
        for row in group:
            for field_name in FIGURE_LABELS:
                value = getattr(row, field_name)
                if value is not None and value < 0:
                    column = field_name.removesuffix("_yen")
                    problems.append(Problem.at(row.where, column, "事業の金額は負にできません"))
    if problems:
        return plan
    ward_by_code = {wards[id(group[0])].code: wards[id(group[0])] for group in groups.values()}
    plan.programme_keys = (
        sorted({w.pk for w in ward_by_code.values() if w.pk is not None}),
        sorted({year for _code, year in groups}),
    )
    stored = list(_programmes(*plan.programme_keys))
    plan.programme_state = {(p.pk, p.ward_id, p.fiscal_year) for p in stored}
    programmes = {(p.ward_id, p.fiscal_year): p for p in stored}
    pillars: dict[int, list[Pillar]] = {}
    for pillar in _pillars(list(plan.programme_state)):
        pillars.setdefault(pillar.programme_id, []).append(pillar)
        plan.pillar_state.add((pillar.pk, pillar.programme_id, pillar.name, pillar.position))
    projects: dict[int, list[Project]] = {}
    for project in _projects(list(plan.programme_state)):
        projects.setdefault(project.programme_id, []).append(project)
        plan.project_state.add(tuple(getattr(project, f) for f in _PROJECT_STATE))
    for (code, fiscal_year), group in groups.items():
        ward = ward_by_code[code]
        programme = programmes.get((ward.pk, fiscal_year)) if ward.pk is not None else None
        if programme is None:
            programme = Programme(ward=ward, fiscal_year=fiscal_year)
        else:
            programme.ward = ward
        existing = projects.get(programme.pk, []) if programme.pk is not None else []
        known = pillars.get(programme.pk, []) if programme.pk is not None else []
        _plan_programme(plan, programme, group, existing, known)
    _check_commitments(plan)
    return plan


def _programmes(ward_pks: list[int], years: list[int]):
    return Programme.objects.filter(ward_id__in=ward_pks, fiscal_year__in=years).order_by("pk")


def _pillars(programme_state: list[tuple]):
    return Pillar.objects.filter(programme_id__in=[pk for pk, *_rest in programme_state]).order_by(
        "programme_id", "position"
    )


def _projects(programme_state: list[tuple]):
    # Within a programme, the order of the ledger's pages (and of the warnings).
    return Project.objects.filter(programme_id__in=[pk for pk, *_rest in programme_state]).order_by(
        "programme_id", "position", "no", "id"
    )


def _resolve_wards(rows: list[LedgerRow], plan: _Plan, *, actor) -> dict[int, Ward]:
    """Each row's ward, by its code (checked, check digit included) or else by its name.

    A ward outside the actor's scope, or a new ward from anyone but a city
    administrator, is reported once, at its first row. A new ward is planned (unsaved).
    """
    problems = plan.problems
    by_code = {w.code: w for w in Ward.objects.all()}
    plan.ward_state = {(w.pk, w.code, w.name) for w in by_code.values()}
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
                    require_city_admin(actor, _("区「%(ward)s」の新規登録") % {"ward": row.ward})
                except NotAllowed as error:
                    if code not in refused:
                        problems.append(Problem.at(where, "ward_code", str(error)))
                    refused.add(code)
                    continue
                ward = Ward(code=code, name=row.ward)
                plan.new_wards.append(ward)
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
            require_ward(actor, ward, pgettext("scope", "台帳"))
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


def _plan_programme(
    plan: _Plan, programme: Programme, group: list[LedgerRow], existing: list[Project], known: list[Pillar]
) -> None:
    report = plan.report
    label = f"{programme.ward.name} {wareki(programme.fiscal_year)}"
    pillars = {p.name: p for p in known}
    # The programme's pillars by name; names not yet known are appended in file order.
    position = max((p.position for p in known), default=0)
    new_pillars = []
    for name in (row.pillar for row in group if row.pillar):
        if name not in pillars:
            position += 1
            pillars[name] = Pillar(programme=programme, name=name, position=position)
            new_pillars.append(pillars[name])
    planned = _ProgrammePlan(programme=programme, new_pillars=new_pillars)
    plan.programmes.append(planned)
    for project in existing:
        project.programme = programme  # the audit entry finds the ward through it, without a query each
    matches = _match_projects(group, existing)
    # A stored project that the file leaves alone keeps its No. and name; a row wanting either cannot be written.
    matched = {p.pk for p in matches if p is not None}
    kept = [p for p in existing if p.pk not in matched]
    kept_nos = {p.no for p in kept if p.no is not None}
    kept_names = {p.name_key for p in kept}
    for position, (row, project) in enumerate(zip(group, matches, strict=True), start=1):
        pillar = pillars[row.pillar] if row.pillar else None
        title = f"{label} No.{row.no or '－'} {row.name}"
        if (row.no is not None and row.no in kept_nos) or name_key(row.name) in kept_names:
            plan.problems.append(
                Problem.at(
                    row.where, "name", f"{title}: ファイルにない事業が同じ No. または事業名を使っています"
                )
            )
            continue
        figures = {f: getattr(row, f) for f in FIGURE_LABELS}
        if project is None:
            changed_attrs, before = [], None
            changed_figures = [f for f, v in figures.items() if v is not None]
        else:
            attributes = {
                "no": row.no,
                "name": row.name,
                "description": row.description,
                "status": row.status,
                # A pillar the import creates (no pk yet) is new to every stored project.
                "pillar_id": None if pillar is None else _NEW_PILLAR if pillar.pk is None else pillar.pk,
                "position": position,
            }
            changed_attrs = [k for k, v in attributes.items() if getattr(project, k) != v]
            changed_figures = [f for f, v in figures.items() if getattr(project, f) != v]
            before = project_snapshot(project)
        step = _ProjectPlan(
            row=row,
            programme=planned,
            project=project,
            pillar=pillar,
            position=position,
            changed_attrs=changed_attrs,
            changed_figures=changed_figures,
            before=before,
        )
        planned.projects.append(step)
        if project is not None and budget_of(row) != budget_of(project):
            plan.budget_changes.append(step)
        report.figure_changes += len(changed_figures)
        if project is None:
            report.created += 1
            summary = " / ".join(f"{FIGURE_LABELS[f]} {format_thousands(v)}" for f, v in figures.items())
            report.lines.append(f"+ {title}: {summary}")
            continue
        visible_attrs = [a for a in changed_attrs if a != "position"]
        if changed_figures or visible_attrs:
            report.updated += 1
            details = [
                f"{FIGURE_LABELS[f]} {format_thousands(getattr(project, f))} → {format_thousands(figures[f])}"
                for f in changed_figures
            ]
            details += [f"{ATTRIBUTE_LABELS[a]}を変更" for a in visible_attrs]
            report.lines.append(f"~ {title}: " + "、".join(details))
        else:
            report.unchanged += 1
    for project in kept:
        report.warnings.append(
            f"{label} No.{project.no or '－'} {project.name}: ファイルにないため変更していません"
        )


def _write(plan: _Plan, *, actor) -> None:
    """Write the plan in one short transaction, or nothing if the ledger changed since it was read.

    A change found here refuses the import rather than planning it again under the lock: planning is
    the long part, and holding the write lock for it is what the two phases are there to avoid.
    """
    user = actor_user(actor)
    reason = f"取込: {plan.report.source}"
    try:
        with transaction.atomic():
            _check_unchanged(plan)
            Ward.objects.bulk_create(plan.new_wards)
            Programme.objects.bulk_create([p.programme for p in plan.programmes if p.programme.pk is None])
            Pillar.objects.bulk_create([pillar for p in plan.programmes for pillar in p.new_pillars])
            steps = [step for p in plan.programmes for step in p.projects]
            # Projects renumbered or renamed by this file step aside first (a tab never occurs in a name key), so
            # that two of them may swap numbers or names without tripping the uniqueness constraints half-way.
            moving = [step.project.pk for step in steps if step.moving]
            for start in range(0, len(moving), 500):  # a few hundred ids a statement, whatever the file
                Project.objects.filter(pk__in=moving[start : start + 500]).update(
                    no=None, name_key=Concat(Value("\tmoving-"), Cast("pk", CharField()))
                )
            changed, created = [], []
            for step in steps:
                row = step.row
                project = step.project
                if project is None:
                    project = step.project = Project(programme=step.programme.programme)
                    created.append(project)
                elif step.changed_attrs or step.changed_figures:
                    changed.append(project)
                else:
                    continue
                project.no, project.name, project.name_key = row.no, row.name, name_key(row.name)
                project.description, project.status, project.position = (
                    row.description,
                    row.status,
                    step.position,
                )
                project.pillar = step.pillar
                for field_name in FIGURE_LABELS:
                    setattr(project, field_name, getattr(row, field_name))
            update_each(changed, ("name_key", *_ATTRIBUTES, *FIGURE_LABELS))
            Project.objects.bulk_create(created)
            try:  # again under the lock: a grant decided since the plan may have raised what is committed
                hold_commitments(
                    [step.project for step in plan.budget_changes],
                    actor=actor,
                    reason=plan.below_commitments_reason,
                )
            except BelowCommitments:
                raise _changed() from None
            FigureChange.objects.bulk_create(
                FigureChange(
                    project=step.project,
                    stage=Stage(field_name.removesuffix("_yen")),
                    old_yen=None if step.before is None else step.before[field_name],
                    new_yen=getattr(step.project, field_name),
                    changed_by=user,
                    reason=reason,
                    public_reason="取込",  # the source's file name is for staff
                )
                for step in steps
                for field_name in step.changed_figures
            )
            record_all(
                [
                    audit_entry(
                        actor=actor,
                        action="ledger.import",
                        obj=step.project,
                        before=step.before,
                        after=project_snapshot(step.project),
                    )
                    for step in steps
                    if step.audited
                ]
            )
    except IntegrityError:
        # Only a writer that came after the check (on PostgreSQL, a row the check could not lock) gets here.
        raise _changed() from None


def _check_unchanged(plan: _Plan) -> None:
    """Refuse unless what the plan read is still what is stored; rows it writes over are locked till the end."""
    programme_state = {
        (p.pk, p.ward_id, p.fiscal_year) for p in _programmes(*plan.programme_keys).select_for_update()
    }
    unchanged = (
        {(w.pk, w.code, w.name) for w in Ward.objects.all()} == plan.ward_state
        and programme_state == plan.programme_state
        and set(
            _pillars(list(programme_state))
            .select_for_update()
            .values_list("pk", "programme_id", "name", "position")
        )
        == plan.pillar_state
        and set(_projects(list(programme_state)).select_for_update().values_list(*_PROJECT_STATE))
        == plan.project_state
    )
    if not unchanged:
        raise _changed()


def _changed() -> LedgerChangedDuringImport:
    return LedgerChangedDuringImport(_("取り込みの準備中に台帳が変更されました。もう一度取り込んでください"))


def _check_commitments(plan: _Plan) -> None:
    """The file's budget changes keep within what services have committed (or the import says why):
    each one short is a problem at its row without a reason, a warning with one."""
    changed = []
    for step in plan.budget_changes:
        project = Project(
            pk=step.project.pk, name=step.project.name
        )  # the stored project, with the row's figures
        project.initial_yen, project.revised_yen = step.row.initial_yen, step.row.revised_yen
        changed.append((step.row, project))
    reason = plan.below_commitments_reason.strip() if normalize(plan.below_commitments_reason) else ""
    for shortfall in shortfalls_of(project for _row, project in changed):
        row = next(row for row, project in changed if project is shortfall.project)
        if reason:
            plan.report.warnings.append(
                _("%(shortfall)s（理由: %(reason)s）") % {"shortfall": shortfall.message, "reason": reason}
            )
        else:
            plan.problems.append(
                Problem.at(
                    row.where,
                    "revised" if row.revised_yen is not None else "initial",
                    f"{shortfall.message}。{_('取り込むには、決定済みの額を下回る理由を指定してください')}",
                )
            )
