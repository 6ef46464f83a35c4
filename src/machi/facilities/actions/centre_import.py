"""Centres and rooms read from files, written all or nothing (`import_centres`)."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import pgettext

from machi.accounts.models import CommunityGroup
from machi.accounts.scope import NotAllowed, require_ward
from machi.core.fiscal import wareki
from machi.core.importing import ImportRefused, Problem
from machi.core.lgcode import prefecture_code, prefecture_name
from machi.core.text import name_key
from machi.facilities.actions.centres import delete_centre_part, save_centre, save_centre_part
from machi.facilities.models import (
    Centre,
    FeeExemption,
    Room,
)


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"新規 {self.created} 件、更新 {self.updated} 件、変更なし {self.unchanged} 件"


@dataclass
class CentreImportReport:
    source: str
    dry_run: bool
    centres: Tally = field(default_factory=Tally)
    rooms: Tally = field(default_factory=Tally)
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(self.centres.created or self.centres.updated or self.rooms.created or self.rooms.updated)

    def summary(self) -> str:
        return f"{self.source}: センター {self.centres}／部屋 {self.rooms}"


class _ImportRollback(Exception):
    pass


def import_centres(*, actor, centres, rooms, source: str, dry_run: bool = False) -> CentreImportReport:
    """Write centres (and rooms) read from files, all or nothing; every problem is reported at once.

    `centres` and `rooms` are `importers.Reading`s. A centre is matched by its ward and
    normalised name, a room by its centre and normalised name, so importing the same
    file again changes nothing. Nothing is deleted: a centre or room missing from the
    file stays. Every ward in the file must be in the actor's scope. With dry_run the
    same work runs and is rolled back, so the report says exactly what would happen.
    """
    from machi.ledger.models import Project, Ward

    report = CentreImportReport(source=source, dry_run=dry_run, warnings=[*centres.warnings, *rooms.warnings])
    problems: list[Problem] = [*centres.problems, *rooms.problems]
    try:
        with transaction.atomic():
            wards = list(Ward.objects.all())
            _import_centre_rows(centres.rows, wards, problems, report, actor=actor, projects=Project.objects)
            _import_room_rows(rooms.rows, wards, centres.unreadable_names, problems, report, actor=actor)
            if problems:
                raise ImportRefused(problems)
            if dry_run:
                raise _ImportRollback
    except _ImportRollback:
        pass
    return report


def _ward_for(text: str, code: str, wards) -> "tuple[object | None, str | None]":
    """The ward a row names by its code and/or its name (熊本市中央区, 中央区 …), or why none."""
    by_code = next((w for w in wards if code and w.code == code), None)
    by_name = None
    if text:
        key = name_key(text)
        for ward in wards:
            names = (
                ward.name,
                f"{ward.city_name}{ward.name}",
                f"{prefecture_name(ward.code)}{ward.city_name}{ward.name}",
            )
            if key in {name_key(n) for n in names}:
                by_name = ward
                break
    if by_code and by_name and by_code != by_name:
        return None, f"「{text}」が団体コード {code}（{by_code.name}）と食い違っています"
    if by_name and code and not by_code and code not in (by_name.city_code, prefecture_code(by_name.code)):
        return None, f"「{text}」が団体コード {code} と食い違っています（{by_name.name}は {by_name.code}）"
    if by_code or by_name:
        return by_code or by_name, None
    registered = "、".join(w.name for w in wards) or "なし"
    if code and not text:
        return None, f"団体コード {code} の区が登録されていません（登録済みの区: {registered}）"
    return None, f"区「{text or code}」が見つかりません（登録済みの区: {registered}）"


def _in_scope(actor, ward) -> str | None:
    try:
        require_ward(actor, ward, pgettext("scope", "センター"))
    except NotAllowed as error:
        return str(error)
    return None


def _import_centre_rows(rows, wards, problems, report, *, actor, projects) -> None:
    existing = {(c.ward_id, name_key(c.name)): c for c in Centre.objects.select_related("ward")}
    seen: dict = {}
    for row in rows:
        ward, why = _ward_for(row.municipality, row.lg_code, wards)
        if ward is None:
            problems.append(
                Problem.at(
                    row.where, "市区町村名" if row.municipality else "都道府県コード又は市区町村コード", why
                )
            )
            continue
        if row.prefecture and row.prefecture != prefecture_name(ward.code):
            problems.append(
                Problem.at(
                    row.where,
                    "都道府県名",
                    f"{ward.name}は{prefecture_name(ward.code)}の区です（「{row.prefecture}」）",
                )
            )
            continue
        if why := _in_scope(actor, ward):
            problems.append(Problem.at(row.where, "市区町村名", why))
            continue
        key = (ward.pk, name_key(row.name))
        if key in seen:
            problems.append(Problem.at(row.where, "名称", f"同じセンターが{seen[key]}行目にもあります"))
            continue
        seen[key] = row.where.row
        project_id = None
        if row.project is not None:
            year, no = row.project
            project = projects.filter(programme__ward=ward, programme__fiscal_year=year, no=no).first()
            if project is None:
                problems.append(
                    Problem.at(
                        row.where, "事業No", f"台帳に{wareki(year)} {ward.name} No.{no} の事業がありません"
                    )
                )
                continue
            project_id = project.pk
        centre = existing.get(key) or Centre(ward=ward)
        created = centre.pk is None
        changed = [name for name, value in row.values.items() if getattr(centre, name) != value]
        for name in changed:
            setattr(centre, name, row.values[name])
        if row.has_project and centre.project_id != project_id:
            centre.project_id = project_id
            changed.append("project")
        try:
            if created or changed:
                save_centre(actor=actor, centre=centre)
            changed += _apply_exemptions(centre, row.exemptions, actor=actor, created=created)
        except ValidationError as error:
            problems.append(Problem.at(row.where, None, "、".join(error.messages)))
            continue
        existing[key] = centre
        _tally(report, report.centres, f"{ward.name} {centre.name}", Centre, created=created, changed=changed)


def _tally(report, counts, label: str, model, *, created: bool, changed: list[str]) -> None:
    """Count a centre or a room as new, updated (naming its changed fields) or unchanged."""
    if created:
        counts.created += 1
        report.lines.append(f"新規: {label}")
    elif changed:
        counts.updated += 1
        report.lines.append(f"更新: {label}（{'、'.join(_field_label(model, n) for n in changed)}）")
    else:
        counts.unchanged += 1


def _apply_exemptions(centre, percents: dict, *, actor, created: bool) -> list[str]:
    current = {} if created else {e.group_kind: e for e in centre.exemptions.all()}
    changed = []
    for kind, percent in percents.items():
        exemption = current.get(kind)
        if percent is None and exemption is not None:
            delete_centre_part(actor=actor, obj=exemption)
        elif percent is not None and (exemption is None or exemption.percent != percent):
            exemption = exemption or FeeExemption(centre=centre, group_kind=kind)
            exemption.percent = percent
            save_centre_part(actor=actor, obj=exemption)
        else:
            continue
        changed.append(f"減免率_{CommunityGroup.Kind(kind).label}")
    return changed


def _field_label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # a label already written for people (減免率_NPO)
        return name


def _import_room_rows(rows, wards, unreadable_names, problems, report, *, actor) -> None:
    centres = list(Centre.objects.select_related("ward").prefetch_related("rooms"))
    rooms = {(r.centre_id, name_key(r.name)): r for c in centres for r in c.rooms.all()}
    next_position = {c.pk: max((r.position for r in c.rooms.all()), default=0) + 1 for c in centres}
    seen: dict = {}
    for row in rows:
        ward = None
        if row.ward:
            code = row.ward if row.ward.isdigit() else ""
            ward, why = _ward_for("" if code else row.ward, code, wards)
            if ward is None:
                problems.append(Problem.at(row.where, "区", why))
                continue
        key = name_key(row.centre)
        matches = [c for c in centres if name_key(c.name) == key and (ward is None or c.ward_id == ward.pk)]
        if not matches:
            if key not in unreadable_names:
                problems.append(
                    Problem.at(row.where, "センター名", f"センター「{row.centre}」が見つかりません")
                )
            continue
        if len(matches) > 1:
            problems.append(
                Problem.at(
                    row.where,
                    "区",
                    f"「{row.centre}」は{'・'.join(c.ward.name for c in matches)}にあります。区を入力してください",
                )
            )
            continue
        centre = matches[0]
        if why := _in_scope(actor, centre.ward):
            problems.append(Problem.at(row.where, "センター名", why))
            continue
        room_key = (centre.pk, name_key(row.values["name"]))
        if room_key in seen:
            problems.append(Problem.at(row.where, "部屋名", f"同じ部屋が{seen[room_key]}行目にもあります"))
            continue
        seen[room_key] = row.where.row
        room = rooms.get(room_key)
        created = room is None
        if created:
            room = Room(centre=centre, position=next_position[centre.pk])
            next_position[centre.pk] += 1
        changed = [name for name, value in row.values.items() if getattr(room, name) != value]
        for name in changed:
            setattr(room, name, row.values[name])
        if created or changed:
            try:
                save_centre_part(actor=actor, obj=room)
            except ValidationError as error:
                problems.append(Problem.at(row.where, None, "、".join(error.messages)))
                continue
            rooms[room_key] = room
        label = f"{centre.ward.name} {centre.name} {room.name}"
        _tally(report, report.rooms, label, Room, created=created, changed=changed)
