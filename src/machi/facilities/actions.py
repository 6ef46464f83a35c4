"""Every write about centres and bookings: the web pages, the API and the CLI all call these.

A refusal is a `BookingRefused` (a rule said no: 400 in the API) or a `SlotTaken`
(someone holds the block: 409), each with a message in Japanese that says why.
The last word on a taken block belongs to the database (see `ReservationBlock`):
the checks here only make the refusal readable.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from machi.accounts.actions import NotAllowed, require_ward
from machi.accounts.actors import SystemActor, actor_user
from machi.accounts.models import CommunityGroup
from machi.accounts.queries import managed_centre_ids
from machi.audit.actions import record
from machi.facilities import emails
from machi.facilities.models import (
    DEFAULT_BLOCKS,
    Centre,
    Lottery,
    Reservation,
    ReservationBlock,
    Room,
    TimeBlock,
)
from machi.facilities.queries import block_starts, booking_opens_at, closure_reason, fee_for


class BookingRefused(ValidationError):
    """A booking rule refused the request; the message says which and why."""


class SlotTaken(BookingRefused):
    """The block is held by another booking."""


# --- Centres ---------------------------------------------------------------------------


def save_centre(*, actor, centre: Centre) -> Centre:
    """Create or change a centre; a new centre gets the default blocks (午前・午後・夜間)."""
    with transaction.atomic():
        stored = Centre.objects.select_for_update().filter(pk=centre.pk).first()
        if stored is not None:
            require_ward(actor, stored.ward, "センター")
        require_ward(actor, centre.ward, "センター")
        before = None if stored is None else model_snapshot(stored)
        centre.full_clean()
        centre.save()
        if stored is None and not centre.blocks.exists():
            TimeBlock.objects.bulk_create(
                TimeBlock(centre=centre, code=code, label=label, starts_at=start, ends_at=end, position=n)
                for n, (code, label, start, end) in enumerate(DEFAULT_BLOCKS, start=1)
            )
        after = model_snapshot(centre)
        if after != before:
            record(actor=actor, action="facilities.save_centre", obj=centre, before=before, after=after)
    return centre


def can_manage_centre(actor, centre) -> bool:
    if isinstance(actor, SystemActor):
        return True
    centres = managed_centre_ids(actor)
    return centres is None or centre.pk in centres


def require_centre(actor, centre, what: str = "予約") -> None:
    if not can_manage_centre(actor, centre):
        raise NotAllowed(f"{centre.name}の{what}を扱う権限がありません")


# --- Booking -----------------------------------------------------------------------------


def book(
    *,
    actor,
    room: Room,
    date: datetime.date,
    block_codes: list[str],
    group: CommunityGroup | None = None,
    purpose: str = "",
    attendees: int | None = None,
    holder=None,
    holder_name: str = "",
    holder_phone: str = "",
    resident: bool = False,
    now: datetime.datetime | None = None,
) -> Reservation:
    """Book consecutive blocks of a room for a day.

    A person books for themselves (or for an approved group they belong to). Centre
    managers and ward staff may book on behalf of a caller: `holder` (an account) or
    `holder_name` and `holder_phone` (someone without one), recorded as on behalf;
    `resident` then says whether the caller lives in the ward. The booking is confirmed
    at once, or pending where the room needs the manager's approval (a manager's own
    booking on behalf is confirmed: they are the approver).
    """
    now = now or timezone.now()
    centre = room.centre
    on_behalf = holder is not None or bool(holder_name.strip())
    if on_behalf:
        require_centre(actor, centre, "代理予約")
        if holder is None and not holder_phone.strip():
            raise BookingRefused("代理予約では、予約する方のお名前と連絡先電話番号を入力してください")
    else:
        if isinstance(actor, SystemActor) or not actor.is_authenticated:
            raise NotAllowed("予約にはログインが必要です")
        holder = actor
    if holder is not None and not holder.is_active:
        raise BookingRefused("この利用者は利用停止中のため予約できません")

    blocks = blocks_for(room, block_codes)
    if attendees is not None and attendees > room.capacity:
        raise BookingRefused(f"{room.name}の定員は{room.capacity}人です（利用人数 {attendees}人）")
    if reason := closure_reason(centre, date):
        raise BookingRefused(f"{date:%Y年%-m月%-d日}は{centre.name}の{reason}です")
    if block_starts(date, blocks[0]) <= now:
        raise BookingRefused("開始時刻を過ぎた区分は予約できません")

    if group is not None:
        require_group_may_book(actor, group, on_behalf)
    if holder is not None:
        resident = (group.ward_id if group else holder.home_ward_id) == centre.ward_id
    elif group is not None:
        resident = group.ward_id == centre.ward_id
    # One per centre and month; by pk rather than the default ordering, which joins centres and wards.
    lottery = Lottery.objects.filter(centre=centre, month=date.replace(day=1)).order_by("pk").first()
    opens = booking_opens_at(centre, date, resident=resident, lottery=lottery)
    if now < opens:
        if lottery is not None and opens == lottery.first_come_opens_at:
            raise BookingRefused(
                f"{date:%Y年%-m月}分は抽選で受け付けています。空いた枠の先着受付は"
                f"{timezone.localtime(opens):%Y年%-m月%-d日 %H:%M}からです"
            )
        raise BookingRefused(
            f"{date:%Y年%-m月%-d日}分の予約受付は{timezone.localtime(opens):%Y年%-m月%-d日 %H:%M}からです"
        )

    fee, exemption = fee_for(room, len(blocks), group)
    needs_approval = room.requires_approval and not (on_behalf and can_manage_centre(actor, centre))
    with transaction.atomic():
        if group is not None:
            _require_within_group_cap(group, centre, date)
        _require_free(room, date, blocks)
        reservation = Reservation.objects.create(
            room=room,
            date=date,
            status=Reservation.Status.PENDING if needs_approval else Reservation.Status.CONFIRMED,
            holder=holder,
            holder_name=holder_name.strip() if holder is None else "",
            holder_phone=holder_phone.strip(),
            group=group,
            purpose=purpose.strip(),
            attendees=attendees,
            booked_by=actor_user(actor),
            on_behalf=on_behalf,
            fee_yen=fee,
            exemption_yen=exemption,
        )
        hold_blocks(reservation, blocks)
        after = snapshot(reservation, block_codes=[block.code for block in blocks])
        record(actor=actor, action="facilities.book", obj=reservation, before=None, after=after)
        transaction.on_commit(lambda: emails.send_status(reservation, blocks))
    return reservation


def hold_blocks(reservation: Reservation, blocks: list[TimeBlock]) -> None:
    """Insert the held blocks; the partial unique index turns a lost race into `SlotTaken`."""
    try:
        with transaction.atomic():
            ReservationBlock.objects.bulk_create(
                ReservationBlock(
                    reservation=reservation, room_id=reservation.room_id, date=reservation.date, block=b
                )
                for b in blocks
            )
    except IntegrityError:
        raise SlotTaken("ほかの方が先に予約しました。別の区分か部屋をお選びください") from None


def blocks_for(room: Room, block_codes: list[str]) -> list[TimeBlock]:
    """The centre's blocks for these codes, in order: known, distinct, consecutive, within the room's limit."""
    if not block_codes:
        raise BookingRefused("利用区分を1つ以上選んでください")
    if len(set(block_codes)) != len(block_codes):
        raise BookingRefused("同じ利用区分が重複しています")
    by_code = {block.code: block for block in room.centre.blocks.all()}
    unknown = [code for code in block_codes if code not in by_code]
    if unknown:
        known = "、".join(f"{b.code}（{b.label}）" for b in by_code.values())
        raise BookingRefused(f"利用区分「{'、'.join(unknown)}」はこのセンターにありません（{known}）")
    blocks = sorted((by_code[code] for code in block_codes), key=lambda b: b.position)
    ordered = sorted(by_code.values(), key=lambda b: b.position)
    first = ordered.index(blocks[0])
    if ordered[first : first + len(blocks)] != blocks:
        raise BookingRefused("続けて予約できるのは連続した区分だけです")
    if len(blocks) > room.max_blocks_per_booking:
        raise BookingRefused(f"{room.name}は1回に{room.max_blocks_per_booking}区分まで予約できます")
    return blocks


def require_group_may_book(actor, group: CommunityGroup, on_behalf: bool) -> None:
    """An approved group, and (unless staff book on its behalf) the actor is on its list."""
    if group.status != CommunityGroup.Status.APPROVED:
        raise BookingRefused(f"{group.name}は区の承認前のため、団体として予約できません")
    if on_behalf or isinstance(actor, SystemActor):
        return
    if not CommunityGroup.objects.of_person(actor).filter(pk=group.pk).exists():
        raise NotAllowed(f"{group.name}の構成員でないため、この団体として予約できません")


def _require_within_group_cap(group: CommunityGroup, centre: Centre, date: datetime.date) -> None:
    if centre.group_monthly_cap is None:
        return
    # The group row is locked so two members booking at once cannot both pass the cap.
    CommunityGroup.objects.select_for_update().filter(pk=group.pk).first()
    count = Reservation.objects.active().filter(group=group, room__centre=centre).in_month(date).count()
    if count >= centre.group_monthly_cap:
        raise BookingRefused(
            f"{group.name}が{centre.name}で{date:%Y年%-m月}に予約できるのは{centre.group_monthly_cap}件までです"
        )


def _require_free(room: Room, date: datetime.date, blocks: list[TimeBlock]) -> None:
    taken = ReservationBlock.objects.filter(
        room=room, date=date, block__in=blocks, active=True
    ).select_related("block")
    labels = [held.block.label for held in taken]
    if labels:
        raise SlotTaken(f"{room.name}の{date:%Y年%-m月%-d日} {'・'.join(labels)}はすでに予約されています")


# --- After booking --------------------------------------------------------------------


def approve(*, actor, reservation: Reservation) -> Reservation:
    return transition(
        actor=actor,
        reservation=reservation,
        allowed=(Reservation.Status.PENDING,),
        to=Reservation.Status.CONFIRMED,
        action="facilities.approve",
        manager_only=True,
    )


def decline(*, actor, reservation: Reservation, reason: str) -> Reservation:
    if not reason.strip():
        raise BookingRefused("不承認の理由を入力してください")
    return transition(
        actor=actor,
        reservation=reservation,
        allowed=(Reservation.Status.PENDING,),
        to=Reservation.Status.DECLINED,
        action="facilities.decline",
        manager_only=True,
        reason=reason.strip(),
    )


def cancel(*, actor, reservation: Reservation, reason: str = "", now=None) -> Reservation:
    """The holder cancels until the centre's deadline; after it, only the manager can."""
    now = now or timezone.now()
    centre = reservation.room.centre
    if not can_manage_centre(actor, centre):
        if not _is_holder(actor, reservation):
            raise NotAllowed("この予約を取り消す権限がありません")
        if timezone.localdate(now) > cancellation_deadline(reservation):
            raise BookingRefused(
                f"取消の期限（{cancellation_deadline(reservation):%Y年%-m月%-d日}）を過ぎています。"
                f"{centre.name}（{centre.phone or '窓口'}）へご連絡ください"
            )
    return transition(
        actor=actor,
        reservation=reservation,
        allowed=(Reservation.Status.PENDING, Reservation.Status.CONFIRMED, Reservation.Status.WON),
        to=Reservation.Status.CANCELLED,
        action="facilities.cancel",
        reason=reason.strip(),
        now=now,
    )


def cancellation_deadline(reservation: Reservation) -> datetime.date:
    """The last day the holder may cancel by themselves."""
    return reservation.date - datetime.timedelta(days=reservation.room.centre.cancel_deadline_days)


def mark_no_show(*, actor, reservation: Reservation, now=None) -> Reservation:
    now = now or timezone.now()
    first = reservation.held_blocks.order_by("block__position").select_related("block").first()
    if first is None or block_starts(reservation.date, first.block) > now:
        raise BookingRefused("無断不使用は利用開始の時刻を過ぎてから記録できます")
    return transition(
        actor=actor,
        reservation=reservation,
        allowed=(Reservation.Status.CONFIRMED,),
        to=Reservation.Status.NO_SHOW,
        action="facilities.no_show",
        manager_only=True,
        now=now,
    )


def confirm_win(*, actor, reservation: Reservation, now=None) -> Reservation:
    """A lottery winner confirms by the deadline; after it the slot has lapsed."""
    now = now or timezone.now()
    if not _is_holder(actor, reservation):
        raise NotAllowed("この当選を確認できるのは申込者だけです")
    if reservation.confirm_by is not None and now > reservation.confirm_by:
        raise BookingRefused(
            f"当選の確認期限（{timezone.localtime(reservation.confirm_by):%Y年%-m月%-d日 %H:%M}）を過ぎています"
        )
    return transition(
        actor=actor,
        reservation=reservation,
        allowed=(Reservation.Status.WON,),
        to=Reservation.Status.CONFIRMED,
        action="facilities.confirm_win",
        now=now,
    )


def _is_holder(actor, reservation: Reservation) -> bool:
    return (
        not isinstance(actor, SystemActor)
        and actor is not None
        and actor.is_authenticated
        and reservation.holder_id == actor.pk
    )


def transition(
    *, actor, reservation, allowed, to, action, manager_only=False, reason="", now=None
) -> Reservation:
    """Move a booking from one of `allowed` to `to` under a row lock; release its blocks if it no longer holds them."""
    now = now or timezone.now()
    if manager_only:
        require_centre(actor, reservation.room.centre)
    with transaction.atomic():
        locked = Reservation.objects.select_for_update().get(pk=reservation.pk)
        if locked.status not in allowed:
            raise BookingRefused(f"この予約は「{locked.get_status_display()}」のため、この操作はできません")
        before = snapshot(locked)
        locked.status = to
        if to in (Reservation.Status.CONFIRMED, Reservation.Status.DECLINED) and manager_only:
            locked.decided_by, locked.decided_at = actor_user(actor), now
        if to == Reservation.Status.DECLINED:
            locked.decline_reason = reason
        if to in (Reservation.Status.CANCELLED, Reservation.Status.LAPSED):
            locked.cancelled_by, locked.cancelled_at, locked.cancel_reason = actor_user(actor), now, reason
        locked.save()
        if to not in Reservation.HOLDING:
            locked.held_blocks.update(active=False)
        record(actor=actor, action=action, obj=locked, before=before, after=snapshot(locked))
        transaction.on_commit(lambda: emails.send_status(locked))
    reservation.refresh_from_db()
    return locked


def snapshot(reservation: Reservation, block_codes: list[str] | None = None) -> dict:
    if block_codes is None:
        block_codes = list(reservation.held_blocks.values_list("block__code", flat=True))
    return {
        "room": reservation.room_id,
        "date": reservation.date.isoformat(),
        "blocks": sorted(block_codes),
        "status": reservation.status,
        "holder": reservation.holder_id,
        "holder_name": reservation.holder_name,
        "group": reservation.group_id,
        "on_behalf": reservation.on_behalf,
        "fee_yen": reservation.fee_yen,
        "exemption_yen": reservation.exemption_yen,
        "decline_reason": reservation.decline_reason,
        "cancel_reason": reservation.cancel_reason,
    }


# --- Import and statistics ---------------------------------------------------------------

from dataclasses import dataclass, field  # noqa: E402

from django.db.models import ProtectedError  # noqa: E402

from machi.core.fiscal import wareki  # noqa: E402
from machi.core.importing import ImportRefused, Problem  # noqa: E402
from machi.core.lgcode import prefecture_code, prefecture_name  # noqa: E402
from machi.core.text import name_key  # noqa: E402
from machi.facilities import stats  # noqa: E402
from machi.facilities.models import ClosedDay, FeeExemption  # noqa: E402

CENTRE_PARTS = (Room, TimeBlock, ClosedDay, FeeExemption)


def model_snapshot(obj) -> dict:
    """Every concrete field of a row, as the audit log keeps it."""
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname != "id"}


def save_centre_part(*, actor, obj):
    """Create or change a room, block, closure or 減免 of a centre within the actor's wards; audited."""
    if not isinstance(obj, CENTRE_PARTS):
        raise TypeError(f"not a part of a centre: {obj!r}")
    model = type(obj)
    with transaction.atomic():
        stored = model.objects.select_for_update().filter(pk=obj.pk).first() if obj.pk else None
        if stored is not None:
            require_ward(actor, stored.centre.ward, "センター")
        require_ward(actor, obj.centre.ward, "センター")
        before = None if stored is None else model_snapshot(stored)
        obj.full_clean()
        obj.save()
        after = model_snapshot(obj)
        if after != before:
            action = f"facilities.save_{model._meta.model_name}"
            record(actor=actor, action=action, obj=obj, before=before, after=after)
    return obj


def delete_centre_part(*, actor, obj) -> None:
    """Remove a room, block, closure or 減免; a room or block that bookings used cannot go."""
    if not isinstance(obj, CENTRE_PARTS):
        raise TypeError(f"not a part of a centre: {obj!r}")
    model = type(obj)
    with transaction.atomic():
        stored = model.objects.select_for_update().filter(pk=obj.pk).first()
        if stored is None:
            return
        require_ward(actor, stored.centre.ward, "センター")
        before = model_snapshot(stored)
        record(
            actor=actor,
            action=f"facilities.delete_{model._meta.model_name}",
            obj=stored,
            before=before,
            after=None,
        )
        try:
            with transaction.atomic():
                stored.delete()
        except ProtectedError:
            raise ValidationError(
                f"「{stored}」は予約や抽選の記録があるため削除できません（記録を残すため）"
            ) from None


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
        require_ward(actor, ward, "センター")
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
        label = f"{ward.name} {centre.name}"
        if created:
            report.centres.created += 1
            report.lines.append(f"新規: {label}")
        elif changed:
            report.centres.updated += 1
            report.lines.append(f"更新: {label}（{'、'.join(_field_label(Centre, n) for n in changed)}）")
        else:
            report.centres.unchanged += 1


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
        if created:
            report.rooms.created += 1
            report.lines.append(f"新規: {label}")
        elif changed:
            report.rooms.updated += 1
            report.lines.append(f"更新: {label}（{'、'.join(_field_label(Room, n) for n in changed)}）")
        else:
            report.rooms.unchanged += 1


@dataclass
class UsagePosting:
    project: object
    usage: stats.Usage
    withdrawn: int = 0


def post_usage(*, actor, fiscal_year: int, month: datetime.date | None = None) -> list[UsagePosting]:
    """Post the usage of each project's centres for the fiscal year (or one month of it) to the ledger.

    Several centres may share a project: each project gets its totals and each room's
    figures (metrics `room-<id>__…`). Re-posting a period replaces its figures, and a
    figure this run no longer gives (a room or centre gone from the project) is withdrawn.
    """
    from machi.ledger.actions import post_outcomes
    from machi.ledger.models import Outcome, Project

    start, end = stats.period_bounds(fiscal_year, month)
    projects = (
        Project.objects.filter(programme__fiscal_year=fiscal_year, centres__isnull=False)
        .distinct()
        .select_related("programme__ward")
        .order_by("programme__ward__code", "no", "pk")
    )
    postings = []
    with transaction.atomic():
        for project in projects:
            found = stats.usage(project.centres.select_related("ward"), start, end)
            figures = stats.outcome_figures(found)
            posted = post_outcomes(
                actor=actor,
                project=project,
                source=stats.SOURCE,
                period_start=start,
                period_end=end,
                figures=figures,
            )
            postings.append(UsagePosting(project=project, usage=found, withdrawn=posted.withdrawn))
        # A project whose centres all left it keeps no figures of ours for the period.
        left = (
            Outcome.objects.filter(
                project__programme__fiscal_year=fiscal_year,
                source=stats.SOURCE,
                period_start=start,
                period_end=end,
            )
            .exclude(project__in=[p.project.pk for p in postings])
            .values_list("project", flat=True)
            .distinct()
        )
        for project in Project.objects.filter(pk__in=list(left)).select_related("programme__ward"):
            post_outcomes(
                actor=actor,
                project=project,
                source=stats.SOURCE,
                period_start=start,
                period_end=end,
                figures=[],
            )
    return postings
