"""Booking a room and what follows: approval, decline, cancellation, no-show, a won slot confirmed.

A refusal is a `BookingRefused` (a rule said no: 400 in the API) or a `SlotTaken`
(someone holds the block: 409), each with a message in Japanese that says why.
The last word on taken time belongs to the database (see `ReservationBlock`):
the checks here only make the refusal readable.
"""

import datetime
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from machi.accounts.actors import SystemActor, actor_user
from machi.accounts.models import CommunityGroup
from machi.accounts.scope import NotAllowed, can_manage_centre, is_member, require_centre
from machi.audit.actions import record
from machi.core import dates
from machi.core.display import join_words
from machi.core.errors import Conflict, Refused
from machi.facilities import emails
from machi.facilities.centre_rules import CentreRules, rules_of_centre
from machi.facilities.models import (
    Centre,
    Reservation,
    ReservationBlock,
    Room,
    TimeBlock,
)
from machi.facilities.queries import (
    block_starts,
    booking_opens_at,
    closure_reason,
    fee_for,
)


class BookingRefused(Refused):
    """A booking rule refused the request (400); the message says which and why."""

    default_code = "booking.refused"


class SlotTaken(BookingRefused, Conflict):
    """The block is held by another booking (409). `mine_id`: the booking of the person asking that
    holds every block they asked for, if one does (`book` turns that into `AlreadyYours`)."""

    default_code = "booking.slot_taken"
    mine_id: int | None = None


class AlreadyYours(SlotTaken):
    """The blocks asked for are the person's own already: their booking went through before (a retry).

    Still a `SlotTaken` (409) for a caller that does not look further; the API answers 200 with
    `reservation`, the booking form shows it."""

    default_code = "booking.already_yours"

    def __init__(self, reservation: Reservation):
        super().__init__(_("この枠はすでにあなたの予約です"))
        self.reservation = reservation


# --- Booking -----------------------------------------------------------------------------


def book(*, actor, room: Room, date: datetime.date, block_codes: list[str], **details) -> Reservation:
    """Book consecutive blocks of a room for a day (`book_blocks`); a person asking again for blocks
    they already hold — their answer never arrived, they pressed twice — hears `AlreadyYours`."""
    try:
        return book_blocks(actor=actor, room=room, date=date, block_codes=block_codes, **details)
    except SlotTaken as taken:
        on_behalf = details.get("holder") is not None or bool(details.get("holder_name", "").strip())
        if on_behalf or isinstance(actor, SystemActor) or not actor.is_authenticated or taken.mine_id is None:
            raise
        raise AlreadyYours(Reservation.objects.get(pk=taken.mine_id)) from None


def book_blocks(
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
    rules: CentreRules | None = None,
) -> Reservation:
    """Book consecutive blocks of a room for a day.

    A person books for themselves (or for an approved group they belong to). Centre
    managers and ward staff may book on behalf of a caller: `holder` (an account) or
    `holder_name` and `holder_phone` (someone without one), recorded as on behalf;
    `resident` then says whether a caller without an account lives in the ward. The booking is confirmed
    at once, or pending where the room needs the manager's approval (a manager's own
    booking on behalf is confirmed: they are the approver).
    """
    now = now or timezone.now()
    # The centre's settings as the database holds them now, kept in the process between bookings.
    rules = rules or rules_of_centre(room.centre_id)
    room = rules.rooms.get(room.pk, room)
    centre = rules.centre
    on_behalf = holder is not None or bool(holder_name.strip())
    if on_behalf:
        require_centre(actor, centre, pgettext("scope", "代理予約"))
        if holder is None and not holder_phone.strip():
            raise BookingRefused(_("代理予約では、予約する方のお名前と連絡先電話番号を入力してください"))
    else:
        if isinstance(actor, SystemActor) or not actor.is_authenticated:
            raise NotAllowed(_("予約にはログインが必要です"))
        holder = actor
    if holder is not None and not holder.is_active:
        raise BookingRefused(_("この利用者は利用停止中のため予約できません"))

    blocks = blocks_for(room, block_codes)
    if attendees is not None and attendees > room.capacity:
        raise BookingRefused(
            _("%(room)sの定員は%(capacity)s人です（利用人数 %(attendees)s人）")
            % {"room": room.name, "capacity": room.capacity, "attendees": attendees}
        )
    if reason := closure_reason(centre, date, rules.closed_days):
        raise BookingRefused(
            _("%(date)sは%(centre)sの%(reason)sです")
            % {"date": dates.day(date), "centre": centre.name, "reason": reason}
        )
    if block_starts(date, blocks[0]) <= now:
        raise BookingRefused(_("開始時刻を過ぎた区分は予約できません"))

    if group is not None:
        require_group_may_book(actor, group, on_behalf, centre)
    # A group of the ward counts as resident: its approval by that ward's staff is the verification.
    # A person counts only once the ward's staff have verified their address, not by declaring it.
    if group is not None:
        resident = group.ward_id == centre.ward_id
    elif holder is not None:
        resident = holder.verified_resident_of(centre.ward_id)
    lottery = rules.lottery_of(date)
    opens = booking_opens_at(centre, date, resident=resident, lottery=lottery)
    if now < opens:
        if lottery is not None and opens == lottery.first_come_opens_at:
            raise BookingRefused(
                _("%(month)s分は抽選で受け付けています。空いた枠の先着受付は%(opens)sからです")
                % {"month": dates.month(date), "opens": dates.moment(opens)}
            )
        raise BookingRefused(
            _("%(date)s分の予約受付は%(opens)sからです")
            % {"date": dates.day(date), "opens": dates.moment(opens)}
        )

    fee, exemption = fee_for(room, len(blocks), group, rules.exemptions)
    needs_approval = room.requires_approval and not (on_behalf and can_manage_centre(actor, centre))
    try:
        with transaction.atomic():
            if group is not None:
                _require_within_group_cap(group, centre, date)
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
            # No savepoint of its own: a lost race undoes the whole booking.
            hold_blocks(reservation, blocks, savepoint=False)
            after = snapshot(reservation, block_codes=[block.code for block in blocks])
            record(actor=actor, action="facilities.book", obj=reservation, before=None, after=after)
            emails.send_status(reservation)  # queued with the booking, written and sent once it commits
    except SlotTaken:
        # Read only once the database's guard refused and the write was undone: a booking that goes
        # through reads nothing to find out.
        raise slot_taken(room, date, blocks, holder) from None
    return reservation


def slot_taken(room: Room, date: datetime.date, blocks: list[TimeBlock], holder=None) -> SlotTaken:
    """Why these blocks could not be held: which are taken, and whether by `holder`'s own booking of them all."""
    held = (
        ReservationBlock.objects.filter(active=True, room=room, date=date)
        .order_by()
        .values_list("starts_at", "ends_at", "block_id", "reservation_id", "reservation__holder_id")
    )
    labels = [
        block.display_label
        for block in blocks
        if any(start < block.ends_at and block.starts_at < end for start, end, *_others in held)
    ]
    if not labels:
        return SlotTaken(_("ほかの方が先に予約しました。別の区分か部屋をお選びください"))
    taken = SlotTaken(
        _("%(room)sの%(date)s %(items)sはすでに予約されています")
        % {"room": room.name, "date": dates.day(date), "items": join_words(labels)}
    )
    if holder is not None:
        theirs = defaultdict(set)
        for _starts, _ends, block_id, reservation_id, holder_id in held:
            if holder_id == holder.pk:
                theirs[reservation_id].add(block_id)
        wanted = {block.pk for block in blocks}
        taken.mine_id = next((pk for pk, held_ids in theirs.items() if wanted <= held_ids), None)
    return taken


def hold_blocks(reservation: Reservation, blocks: list[TimeBlock], *, savepoint: bool = True) -> None:
    """Insert the held blocks with their times; the database's guard turns a lost race into `SlotTaken`.

    Within a savepoint, so that the caller's transaction goes on after a refusal; `savepoint=False`
    where the refusal undoes the caller's whole transaction anyway (two statements fewer)."""
    try:
        with transaction.atomic(savepoint=savepoint):
            ReservationBlock.objects.bulk_create(ReservationBlock.holding(reservation, b) for b in blocks)
    except IntegrityError:
        raise SlotTaken(_("ほかの方が先に予約しました。別の区分か部屋をお選びください")) from None


def blocks_for(room: Room, block_codes: list[str]) -> list[TimeBlock]:
    """The centre's blocks for these codes, in order: known, distinct, consecutive, within the room's limit."""
    if not block_codes:
        raise BookingRefused(_("利用区分を1つ以上選んでください"))
    if len(set(block_codes)) != len(block_codes):
        raise BookingRefused(_("同じ利用区分が重複しています"))
    by_code = {block.code: block for block in room.centre.blocks.all()}
    unknown = [code for code in block_codes if code not in by_code]
    if unknown:
        known = "、".join(f"{b.code}（{b.label}）" for b in by_code.values())
        raise BookingRefused(
            _("利用区分「%(items)s」はこのセンターにありません（%(known)s）")
            % {"items": "、".join(unknown), "known": known}
        )
    blocks = sorted((by_code[code] for code in block_codes), key=lambda b: b.position)
    ordered = sorted(by_code.values(), key=lambda b: b.position)
    first = ordered.index(blocks[0])
    if ordered[first : first + len(blocks)] != blocks:
        raise BookingRefused(_("続けて予約できるのは連続した区分だけです"))
    if len(blocks) > room.max_blocks_per_booking:
        raise BookingRefused(
            _("%(room)sは1回に%(max_blocks_per_booking)s区分まで予約できます")
            % {"room": room.name, "max_blocks_per_booking": room.max_blocks_per_booking}
        )
    return blocks


def require_group_may_book(
    actor, group: CommunityGroup, on_behalf: bool, centre: Centre | None = None
) -> None:
    """An approved group, and the actor on its list (staff booking on behalf: a group of the centre's ward).

    Only a member hears why their own group may not book (not yet approved): to anyone else
    every group they may not book for, or an id that is no group, gets the same
    `group_refused()`, which names no group and no status.
    """
    if on_behalf:
        if group.status != CommunityGroup.Status.APPROVED or (centre and group.ward_id != centre.ward_id):
            raise group_refused()
        return
    if not is_member(actor, group):
        raise group_refused()
    if group.status != CommunityGroup.Status.APPROVED:
        raise BookingRefused(
            _("%(group)sは区の承認前のため、団体として予約できません") % {"group": group.name}
        )


def group_refused() -> NotAllowed:
    """The one answer for a group one may not book for, and for an id that is no group."""
    return NotAllowed(_("この団体としては予約できません"), code="booking.group")


def _require_within_group_cap(group: CommunityGroup, centre: Centre, date: datetime.date) -> None:
    if centre.group_monthly_cap is None:
        return
    # The group row is locked so two members booking at once cannot both pass the cap.
    CommunityGroup.objects.select_for_update().filter(pk=group.pk).first()
    count = Reservation.objects.active().filter(group=group, room__centre=centre).in_month(date).count()
    if count >= centre.group_monthly_cap:
        raise BookingRefused(
            _("%(group)sが%(centre)sで%(month)sに予約できるのは%(cap)s件までです")
            % {
                "group": group.name,
                "centre": centre.name,
                "month": dates.month(date),
                "cap": centre.group_monthly_cap,
            }
        )


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
        raise BookingRefused(_("不承認の理由を入力してください"))
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
            raise NotAllowed(_("この予約を取り消す権限がありません"))
        if timezone.localdate(now) > cancellation_deadline(reservation):
            raise BookingRefused(
                _("取消の期限（%(deadline)s）を過ぎています。%(centre)s（%(phone)s）へご連絡ください")
                % {
                    "deadline": dates.day(cancellation_deadline(reservation)),
                    "centre": centre.name,
                    "phone": centre.phone or _("窓口"),
                }
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
        raise BookingRefused(_("無断不使用は利用開始の時刻を過ぎてから記録できます"))
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
        raise NotAllowed(_("この当選を確認できるのは申込者だけです"))
    if reservation.confirm_by is not None and now > reservation.confirm_by:
        raise BookingRefused(
            _("当選の確認期限（%(deadline)s）を過ぎています")
            % {"deadline": dates.moment(reservation.confirm_by)}
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
            raise BookingRefused(
                _("この予約は「%(status)s」のため、この操作はできません")
                % {"status": locked.get_status_display()}
            )
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
        emails.send_status(locked)  # queued with the change, written and sent once it commits
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
