"""Centres and rooms read from files, written all or nothing (`import_centres`).

Two phases, as the ledger import (`machi.ledger.actions.imports`), so that an import holds the
write lock (on SQLite, the whole database's) only while it writes: `_plan` reads what is stored and
works out everything (every problem, as saving each row would find it; what to create, change and
delete; the report) without writing and outside any transaction; `_write` writes that plan in one
short transaction, after checking that nothing the plan read has changed meanwhile. A dry run is
the plan alone, the very one a real import would write: it never writes and never takes the lock.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from machi.accounts.models import CommunityGroup
from machi.accounts.scope import NotAllowed, require_ward
from machi.audit.actions import audit_entry, record_all
from machi.core.bulk import update_each
from machi.core.errors import Conflict
from machi.core.fiscal import wareki
from machi.core.importing import ImportRefused, Problem
from machi.core.lgcode import prefecture_code, prefecture_name
from machi.core.text import name_key
from machi.facilities.actions.centres import audit_action, default_blocks, model_snapshot
from machi.facilities.models import Centre, FeeExemption, Room, TimeBlock
from machi.ledger.models import Project, Ward


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


class CentresChangedDuringImport(Conflict):
    """What an import's plan relied on was changed by someone else before it could be written (409)."""

    default_code = "facilities.changed_during_import"


@dataclass
class _Write:
    """One audited write of the plan: a centre, room or 減免 saved (new or changed), or a 減免 deleted.

    The audit entry is the one `save_centre`, `save_centre_part` or `delete_centre_part` records.
    """

    obj: Centre | Room | FeeExemption
    before: dict | None  # the stored row's snapshot; None for a new one
    delete: bool = False

    @property
    def action(self) -> str:
        return audit_action("delete" if self.delete else "save", type(self.obj))


@dataclass
class _Plan:
    report: CentreImportReport
    problems: list[Problem] = field(default_factory=list)
    writes: list[_Write] = field(default_factory=list)  # in the files' order, as the audit log lists them
    # What was read, to be read again before writing: every ward, centre, room and 減免, the projects linked.
    ward_state: set[tuple] = field(default_factory=set)
    centre_state: set[tuple] = field(default_factory=set)
    room_state: set[tuple] = field(default_factory=set)
    exemption_state: set[tuple] = field(default_factory=set)
    project_state: set[tuple] = field(default_factory=set)


def import_centres(*, actor, centres, rooms, source: str, dry_run: bool = False) -> CentreImportReport:
    """Write centres (and rooms) read from files, all or nothing; every problem is reported at once.

    `centres` and `rooms` are `importers.Reading`s. A centre is matched by its ward and
    normalised name, a room by its centre and normalised name, so importing the same
    file again changes nothing. Nothing is deleted: a centre or room missing from the
    file stays. Every ward in the file must be in the actor's scope. With dry_run the
    plan a real import would write is reported and nothing is written. If what the plan
    read changes before it is written, the import is refused with
    `CentresChangedDuringImport` and nothing is written.
    """
    plan = _plan(centres, rooms, source=source, actor=actor)
    if plan.problems:
        raise ImportRefused(plan.problems)
    plan.report.dry_run = dry_run
    if not dry_run:
        _write(plan, actor=actor)
    return plan.report


def _plan(centres, rooms, *, source: str, actor) -> _Plan:
    """Everything the import will do, read from the database as it stands; writes nothing."""
    plan = _Plan(
        report=CentreImportReport(
            source=source, dry_run=False, warnings=[*centres.warnings, *rooms.warnings]
        ),
        problems=[*centres.problems, *rooms.problems],
    )
    wards = list(Ward.objects.all())
    stored = list(Centre.objects.select_related("ward").prefetch_related("rooms", "exemptions"))
    plan.ward_state = _state(wards)
    plan.centre_state = _state(stored)
    plan.room_state = _state(room for centre in stored for room in centre.rooms.all())
    plan.exemption_state = _state(exemption for centre in stored for exemption in centre.exemptions.all())
    planned = _plan_centre_rows(plan, centres.rows, wards, stored, actor=actor)
    _plan_room_rows(plan, rooms.rows, wards, planned, centres.unreadable_names, actor=actor)
    return plan


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


def _field_label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # a label already written for people (減免率_NPO)
        return name


def _plan_centre_rows(plan: _Plan, rows, wards, stored: list[Centre], *, actor) -> list[Centre]:
    """Plan each centre row; returns the centres a room may name (stored, or new and valid), in Centre's order."""
    problems, report = plan.problems, plan.report
    existing = {(c.ward_id, name_key(c.name)): c for c in stored}
    new: list[Centre] = []
    projects: dict[tuple[int, int], dict[int, int]] = {}  # (ward, year) → {No.: project id}
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
            if (ward.pk, year) not in projects:
                projects[ward.pk, year] = dict(
                    Project.objects.filter(programme__ward=ward, programme__fiscal_year=year)
                    .exclude(no=None)
                    .values_list("no", "pk")
                )
            project_id = projects[ward.pk, year].get(no)
            if project_id is None:
                problems.append(
                    Problem.at(
                        row.where, "事業No", f"台帳に{wareki(year)} {ward.name} No.{no} の事業がありません"
                    )
                )
                continue
            plan.project_state.add((project_id, ward.pk, year, no))
        centre = existing.get(key) or Centre(ward=ward)
        created = centre.pk is None
        before = None if created else model_snapshot(centre)
        changed = [name for name, value in row.values.items() if getattr(centre, name) != value]
        for name in changed:
            setattr(centre, name, row.values[name])
        if row.has_project and centre.project_id != project_id:
            centre.project_id = project_id
            changed.append("project")
        try:
            if created or changed:
                _validate(centre)
                plan.writes.append(_Write(centre, before))
            if created:
                new.append(centre)
            changed += _plan_exemptions(plan, centre, row.exemptions, created=created)
        except ValidationError as error:
            problems.append(Problem.at(row.where, None, "、".join(error.messages)))
            continue
        existing[key] = centre
        _tally(report, report.centres, f"{ward.name} {centre.name}", Centre, created=created, changed=changed)
    return sorted([*stored, *new], key=lambda c: (c.ward.code, c.name_kana, c.name))


def _plan_exemptions(plan: _Plan, centre: Centre, percents: dict, *, created: bool) -> list[str]:
    """Plan a centre's 減免 from its row (a percent, or None to remove); the labels of those that change."""
    current = {} if created else {e.group_kind: e for e in centre.exemptions.all()}
    changed = []
    for kind, percent in percents.items():
        exemption = current.get(kind)
        if percent is None and exemption is not None:
            plan.writes.append(_Write(exemption, model_snapshot(exemption), delete=True))
        elif percent is not None and (exemption is None or exemption.percent != percent):
            before = None if exemption is None else model_snapshot(exemption)
            exemption = exemption or FeeExemption(centre=centre, group_kind=kind)
            exemption.percent = percent
            _validate(exemption)
            plan.writes.append(_Write(exemption, before))
        else:
            continue
        changed.append(f"減免率_{CommunityGroup.Kind(kind).label}")
    return changed


def _plan_room_rows(plan: _Plan, rows, wards, centres: list[Centre], unreadable_names, *, actor) -> None:
    problems, report = plan.problems, plan.report
    # A new centre has no id yet: its rooms are known by the centre itself.
    stored = {id(c): list(c.rooms.all()) if c.pk is not None else [] for c in centres}
    rooms = {(id(c), name_key(r.name)): r for c in centres for r in stored[id(c)]}
    next_position = {id(c): max((r.position for r in stored[id(c)]), default=0) + 1 for c in centres}
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
        room_key = (id(centre), name_key(row.values["name"]))
        if room_key in seen:
            problems.append(Problem.at(row.where, "部屋名", f"同じ部屋が{seen[room_key]}行目にもあります"))
            continue
        seen[room_key] = row.where.row
        room = rooms.get(room_key)
        created = room is None
        if created:
            room = Room(centre=centre, position=next_position[id(centre)])
            next_position[id(centre)] += 1
        before = None if created else model_snapshot(room)
        changed = [name for name, value in row.values.items() if getattr(room, name) != value]
        for name in changed:
            setattr(room, name, row.values[name])
        if created or changed:
            try:
                _validate(room)
            except ValidationError as error:
                problems.append(Problem.at(row.where, None, "、".join(error.messages)))
                continue
            rooms[room_key] = room
            plan.writes.append(_Write(room, before))
        label = f"{centre.ward.name} {centre.name} {room.name}"
        _tally(report, report.rooms, label, Room, created=created, changed=changed)


def _validate(obj) -> None:
    """The `full_clean` that saving the row through its audited action runs: reads only.

    A room or 減免 of a centre the import creates has no centre id to check yet.
    """
    new_centre = not isinstance(obj, Centre) and obj.centre.pk is None
    obj.full_clean(exclude=["centre"] if new_centre else None)


def _write(plan: _Plan, *, actor) -> None:
    """Write the plan in one short transaction, or nothing if what it read has changed since.

    A change found here refuses the import rather than planning it again under the lock: planning is
    the long part, and holding the write lock for it is what the two phases are there to avoid.
    """
    saved = [w.obj for w in plan.writes if not w.delete]
    new_centres = [obj for obj in saved if isinstance(obj, Centre) and obj.pk is None]
    try:
        with transaction.atomic():
            _check_unchanged(plan)
            for model in (Centre, FeeExemption, Room):  # centres first: their new parts take their ids
                _save_all(model, [obj for obj in saved if type(obj) is model])
            TimeBlock.objects.bulk_create(
                [block for centre in new_centres for block in default_blocks(centre)]
            )
            FeeExemption.objects.filter(pk__in=[w.obj.pk for w in plan.writes if w.delete]).delete()
            record_all([entry for w in plan.writes if (entry := _audit_entry(w, actor=actor)) is not None])
    except IntegrityError:
        # Only a writer that came after the check (on PostgreSQL, a row the check could not lock) gets here.
        raise _changed() from None


def _save_all(model, rows: list) -> None:
    """Create the new rows and save every field of the stored ones, as `obj.save()` would, in bulk."""
    update_each(
        [r for r in rows if r.pk is not None],
        [f.name for f in model._meta.concrete_fields if not f.primary_key],
    )
    model.objects.bulk_create([r for r in rows if r.pk is None])


def _audit_entry(write: _Write, *, actor):
    """The entry the row's audited action records; none where nothing changed (as `audited_save`)."""
    after = None if write.delete else model_snapshot(write.obj)
    if after == write.before:
        return None
    return audit_entry(actor=actor, action=write.action, obj=write.obj, before=write.before, after=after)


def _check_unchanged(plan: _Plan) -> None:
    """Refuse unless what the plan read is still what is stored; the rows it reads are locked till the end."""
    linked = [pk for pk, *_rest in plan.project_state]
    unchanged = (
        _stored_state(Ward.objects.all()) == plan.ward_state
        and _stored_state(Centre.objects.select_for_update()) == plan.centre_state
        and _stored_state(Room.objects.select_for_update()) == plan.room_state
        and _stored_state(FeeExemption.objects.select_for_update()) == plan.exemption_state
        and set(
            Project.objects.filter(pk__in=linked)
            .order_by()
            .select_for_update(of=("self",))
            .values_list("pk", "programme__ward_id", "programme__fiscal_year", "no")
        )
        == plan.project_state
    )
    if not unchanged:
        raise _changed()


def _changed() -> CentresChangedDuringImport:
    return CentresChangedDuringImport(
        _("取り込みの準備中にセンターまたは部屋が変更されました。もう一度取り込んでください")
    )


def _row(obj) -> tuple:
    """A stored row as the plan read it: every concrete field, its id included."""
    return tuple(getattr(obj, f.attname) for f in obj._meta.concrete_fields)


def _state(rows) -> set[tuple]:
    return {_row(obj) for obj in rows}


def _stored_state(queryset) -> set[tuple]:
    # Unordered: compared as a set, and without the models' ordering no join (to wards) is read or locked.
    return set(queryset.order_by().values_list(*(f.attname for f in queryset.model._meta.concrete_fields)))
