"""The ledger read from files (`import_ledger`): every row checked, written all or nothing; a dry run
reports exactly what would change."""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import CharField, Max, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from machi.accounts.scope import NotAllowed, require_city_admin, require_ward
from machi.audit.actions import record
from machi.core import lgcode
from machi.core.fiscal import wareki
from machi.core.money import format_thousands
from machi.core.text import name_key, normalize
from machi.ledger.actions.commitments import BelowCommitments, hold_commitments
from machi.ledger.actions.figures import ATTRIBUTE_LABELS, FIGURE_LABELS, project_snapshot, write_figures
from machi.ledger.importers.rows import LedgerImportError, LedgerRow, Problem, Where
from machi.ledger.models import Pillar, Programme, Project, Ward
from machi.ledger.queries import budget_of


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
    # Where each project whose budget (2月補正後, else 当初) the file changed came from: see _hold_commitments.
    budget_changes: list[tuple[Where, Project]] = field(default_factory=list, repr=False)

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


def import_ledger(
    rows: list[LedgerRow], *, source: str, actor, dry_run: bool = False, below_commitments_reason: str = ""
) -> ImportReport:
    """Write a file's rows to the ledger, all or nothing.

    Rows are matched to projects by (ward, year, No.) where a No. is given, else by
    the normalised name. A changed figure becomes a history entry whose reason names
    the import. Projects missing from the file are left as they are (and named in a
    warning): an import never deletes. With dry_run, the same work runs and is
    rolled back, so what it reports is exactly what would happen. Every ward in the
    file must be in the actor's scope; a ward out of scope is a problem like any other.
    A budget lowered below what services have committed against the project is a problem
    too, unless `below_commitments_reason` says why (`hold_commitments`).
    """
    report = ImportReport(source=source, dry_run=dry_run)
    try:
        with transaction.atomic():
            problems = _apply(rows, report, actor=actor)
            problems = problems or _hold_commitments(report, actor=actor, reason=below_commitments_reason)
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
        programme, _created = Programme.objects.get_or_create(ward_id=ward_pk, fiscal_year=fiscal_year)
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
                    require_city_admin(actor, _("区「%(ward)s」の新規登録") % {"ward": row.ward})
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
        before = None if is_new else project_snapshot(project)
        budget_before = None if is_new else budget_of(project)
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
        changes = write_figures(project, reason=reason, actor=actor, figures=figures)
        report.figure_changes += len(changes)
        if budget_of(project) != budget_before:
            report.budget_changes.append((row.where, project))
        if is_new or changes or [a for a in changed_attrs if a != "position"]:
            record(
                actor=actor,
                action="ledger.import",
                obj=project,
                before=before,
                after=project_snapshot(project),
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


def _hold_commitments(report: ImportReport, *, actor, reason: str) -> list[Problem]:
    """The file's budget changes keep within what services have committed (or the import says why):
    each one refused is a problem at its row; each one accepted with the reason, a warning."""
    projects = [project for _where, project in report.budget_changes]
    try:
        accepted = hold_commitments(projects, actor=actor, reason=reason)
    except BelowCommitments as error:
        where = {project.pk: place for place, project in report.budget_changes}
        hint = _("取り込むには、決定済みの額を下回る理由を指定してください")
        return [
            Problem.at(
                where[s.project.pk],
                "revised" if s.project.revised_yen is not None else "initial",
                f"{s.message}。{hint}",
            )
            for s in error.shortfalls
        ]
    report.warnings += [
        _("%(shortfall)s（理由: %(reason)s）") % {"shortfall": s.message, "reason": reason.strip()}
        for s in accepted
    ]
    return []
