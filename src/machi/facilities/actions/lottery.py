"""The lottery's writes: setting one up, applying, drawing and holding the wins, lapsing unconfirmed wins,
and the minute tick (`run_due`). The draw itself, pure and re-runnable, is `facilities.draw`."""

import datetime
import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from machi.accounts.actors import SYSTEM, SystemActor, actor_user
from machi.accounts.models import CommunityGroup
from machi.accounts.scope import NotAllowed
from machi.audit.actions import audit_entry, record, record_all
from machi.core import dates
from machi.core.draws import new_seed
from machi.facilities import emails
from machi.facilities.actions.booking import (
    BookingRefused,
    blocks_for,
    hold_blocks,
    require_group_may_book,
    snapshot,
    transition,
)
from machi.facilities.actions.centres import require_centre
from machi.facilities.draw import (
    STEPS,
    WON,
    entry_snapshot,
    recorded_entries,
    run_draw,
    seed_digest,
)
from machi.facilities.models import Lottery, LotteryChoice, LotteryEntry, Reservation, ReservationBlock
from machi.facilities.queries import (
    add_months,
    booking_opens_at,
    closure_reason,
    fee_for,
    held_times,
    is_held,
)


def create_lottery(
    *,
    actor,
    centre,
    month: datetime.date,
    applications_open_at: datetime.datetime,
    applications_close_at: datetime.datetime,
    draw_at: datetime.datetime,
    confirm_by: datetime.datetime,
    first_come_opens_at: datetime.datetime,
    max_choices: int = 3,
    now: datetime.datetime | None = None,
) -> Lottery:
    """Put a centre's month to lottery. Its seed is drawn now and kept secret until applications close."""
    require_centre(actor, centre, pgettext("scope", "抽選"))
    now = now or timezone.now()
    month = month.replace(day=1)
    times = {
        "applications_open_at": applications_open_at,
        "applications_close_at": applications_close_at,
        "draw_at": draw_at,
        "confirm_by": confirm_by,
        "first_come_opens_at": first_come_opens_at,
    }
    _check_schedule(month, times, max_choices, now)
    first_come = booking_opens_at(centre, month, resident=True)
    if first_come <= now:
        raise BookingRefused(
            _("%(month)s分はすでに先着順の受付（%(opens)sから）が始まっているため、抽選にできません")
            % {"month": dates.month(month), "opens": dates.moment(first_come)}
        )

    seed = new_seed()
    lottery = Lottery(
        centre=centre,
        month=month,
        max_choices=max_choices,
        seed=seed,
        seed_digest=seed_digest(seed),
        created_by=actor_user(actor),
        **times,
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                lottery.save()
        except IntegrityError:
            raise BookingRefused(
                _("%(centre)sの%(month)s分の抽選はすでにあります")
                % {"centre": centre.name, "month": dates.month(month)}
            ) from None
        record(
            actor=actor, action="facilities.lottery_create", obj=lottery, before=None, after=_summary(lottery)
        )
    return lottery


def _check_schedule(month: datetime.date, times: dict, max_choices: int, now: datetime.datetime) -> None:
    """The rules every lottery's timetable keeps: its steps in order, a window not yet closed, the
    leftovers opened first-come before the month starts, one to five choices."""
    for (earlier, earlier_label, _strictly), (later, later_label, strictly) in itertools.pairwise(STEPS):
        if times[later] < times[earlier] or (strictly and times[later] == times[earlier]):
            message = (
                _("%(later)s（%(later_at)s）は%(earlier)s（%(earlier_at)s）より後にしてください")
                if strictly
                else _("%(later)s（%(later_at)s）は%(earlier)s（%(earlier_at)s）以降にしてください")
            )
            raise BookingRefused(
                message
                % {
                    "later": later_label,
                    "later_at": dates.moment(times[later]),
                    "earlier": earlier_label,
                    "earlier_at": dates.moment(times[earlier]),
                }
            )
    if not 1 <= max_choices <= 5:
        raise BookingRefused(_("希望の数は1〜5にしてください"))
    if times["applications_close_at"] <= now:
        raise BookingRefused(
            _("申込締切（%(applications_close_at)s）がすでに過ぎています")
            % {"applications_close_at": dates.moment(times["applications_close_at"])}
        )
    month_starts = timezone.make_aware(datetime.datetime.combine(month, datetime.time(0, 0)))
    if times["first_come_opens_at"] > month_starts:
        raise BookingRefused(
            _("空き枠の先着受付開始（%(opens)s）は対象月（%(month)s）より前にしてください")
            % {"opens": dates.moment(times["first_come_opens_at"]), "month": dates.month(month)}
        )


def _lock_unstarted(lottery: Lottery, now: datetime.datetime, doing: str, *, before_opening: bool) -> Lottery:
    """The lottery row, locked, while nothing has happened to it yet: not drawn, no entries (and, with
    `before_opening`, applications not yet open). `doing` names the refused change in the refusal."""
    locked = Lottery.objects.select_for_update().select_related("centre").get(pk=lottery.pk)
    if locked.drawn_at is not None:
        raise BookingRefused(
            _("%(month)s分の抽選は%(drawn_at)sに実施済みのため、%(doing)sできません")
            % {"month": dates.month(locked.month), "drawn_at": dates.moment(locked.drawn_at), "doing": doing}
        )
    entries = locked.entries.count()
    if entries:
        raise BookingRefused(
            _("%(month)s分の抽選にはすでに申込が%(entries)d件あるため、%(doing)sできません")
            % {"month": dates.month(locked.month), "entries": entries, "doing": doing}
        )
    if before_opening and locked.applications_open_at <= now:
        raise BookingRefused(
            _("%(month)s分の抽選は申込の受付（%(opens)sから）が始まっているため、変更できません")
            % {"month": dates.month(locked.month), "opens": dates.moment(locked.applications_open_at)}
        )
    return locked


def change_lottery(
    *,
    actor,
    lottery: Lottery,
    applications_open_at: datetime.datetime,
    applications_close_at: datetime.datetime,
    draw_at: datetime.datetime,
    confirm_by: datetime.datetime,
    first_come_opens_at: datetime.datetime,
    max_choices: int,
    now: datetime.datetime | None = None,
) -> Lottery:
    """Change a lottery's timetable or its number of choices before applications open (and with no entries)."""
    require_centre(actor, lottery.centre, pgettext("scope", "抽選"))
    now = now or timezone.now()
    times = {
        "applications_open_at": applications_open_at,
        "applications_close_at": applications_close_at,
        "draw_at": draw_at,
        "confirm_by": confirm_by,
        "first_come_opens_at": first_come_opens_at,
    }
    with transaction.atomic():
        locked = _lock_unstarted(lottery, now, pgettext("lottery", "変更"), before_opening=True)
        _check_schedule(locked.month, times, max_choices, now)
        before = _summary(locked)
        for name, value in times.items():
            setattr(locked, name, value)
        locked.max_choices = max_choices
        locked.save(update_fields=[*times, "max_choices"])
        record(
            actor=actor,
            action="facilities.lottery_change_schedule",
            obj=locked,
            before=before,
            after=_summary(locked),
        )
    lottery.refresh_from_db()
    return locked


def cancel_lottery(*, actor, lottery: Lottery, now: datetime.datetime | None = None) -> None:
    """Take a month off lottery while no one has applied and it has not been drawn: the month is then
    booked first-come from its usual opening (which may already have passed)."""
    require_centre(actor, lottery.centre, pgettext("scope", "抽選"))
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_unstarted(lottery, now, pgettext("lottery", "取消"), before_opening=False)
        record(
            actor=actor, action="facilities.lottery_cancel", obj=locked, before=_summary(locked), after=None
        )
        locked.delete()


# --- Applying --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Wish:
    """A checked choice: its rank, the room, the day and the blocks (in order)."""

    rank: int
    room: object
    date: datetime.date
    blocks: list


def apply(*, actor, lottery: Lottery, choices, group: CommunityGroup | None = None, now=None) -> LotteryEntry:
    """Apply with ranked choices [(room, date, [block codes]), …], first choice first.

    One entry per person and one per group: the database's unique constraints decide,
    and a second entry is refused with the number of the first.
    """
    now = now or timezone.now()
    applicant = _require_applicant(actor)
    wishes = check_choices(lottery, choices)
    if group is not None:
        require_group_may_book(actor, group, on_behalf=False)
    with transaction.atomic():
        locked = _lock_open(lottery, now)
        try:
            with transaction.atomic():
                entry = LotteryEntry.objects.create(lottery=locked, applicant=applicant, group=group)
        except IntegrityError:
            raise _duplicate_refusal(locked, applicant, group) from None
        _save_choices(entry, wishes)
        record(
            actor=actor,
            action="facilities.lottery_apply",
            obj=entry,
            before=None,
            after=entry_snapshot(entry),
        )
    return entry


def change_entry(
    *, actor, entry: LotteryEntry, choices, group: CommunityGroup | None = None, now=None
) -> LotteryEntry:
    """Replace an entry's choices (and the group it is for) while the window is open."""
    now = now or timezone.now()
    _require_own_entry(actor, entry)
    wishes = check_choices(entry.lottery, choices)
    if group is not None:
        require_group_may_book(actor, group, on_behalf=False)
    with transaction.atomic():
        locked = _lock_open(entry.lottery, now)
        before = entry_snapshot(entry)
        if entry.group_id != (group.pk if group else None):
            entry.group = group
            try:
                with transaction.atomic():
                    entry.save(update_fields=["group"])
            except IntegrityError:
                raise _duplicate_refusal(locked, None, group) from None
        entry.choices.all().delete()
        _save_choices(entry, wishes)
        record(
            actor=actor,
            action="facilities.lottery_change",
            obj=entry,
            before=before,
            after=entry_snapshot(entry),
        )
    return entry


def withdraw(*, actor, entry: LotteryEntry, now=None) -> None:
    """Take an entry back while the window is open."""
    now = now or timezone.now()
    _require_own_entry(actor, entry)
    with transaction.atomic():
        _lock_open(entry.lottery, now)
        record(
            actor=actor,
            action="facilities.lottery_withdraw",
            obj=entry,
            before=entry_snapshot(entry),
            after=None,
        )
        entry.delete()


def check_choices(lottery: Lottery, choices) -> list[Wish]:
    """Each choice must be a booking the centre could take: its room, a day of the month it is
    open, consecutive blocks within the room's limit (the same checks as a first-come booking)."""
    centre = lottery.centre
    choices = list(choices)
    if not choices:
        raise BookingRefused(_("希望を1つ以上選んでください"))
    if len(choices) > lottery.max_choices:
        raise BookingRefused(_("希望は%(max_choices)sつまでです") % {"max_choices": lottery.max_choices})
    wishes, seen = [], {}
    for rank, (room, day, block_codes) in enumerate(choices, start=1):
        try:
            if room.centre_id != centre.pk:
                raise BookingRefused(
                    _("%(room)sは%(centre)sの部屋ではありません") % {"room": room.name, "centre": centre.name}
                )
            if day.replace(day=1) != lottery.month:
                raise BookingRefused(
                    _("%(month)sの日を選んでください（%(day)s）")
                    % {"month": dates.month(lottery.month), "day": dates.day(day)}
                )
            blocks = blocks_for(room, list(block_codes))
            if reason := closure_reason(centre, day):
                raise BookingRefused(
                    _("%(day)sは%(centre)sの%(reason)sです")
                    % {"day": dates.day(day), "centre": centre.name, "reason": reason}
                )
        except BookingRefused as refusal:
            raise BookingRefused(
                _("第%(rank)s希望：%(reason)s") % {"rank": rank, "reason": refusal.messages[0]}
            ) from None
        key = (room.pk, day, tuple(block.pk for block in blocks))
        if key in seen:
            raise BookingRefused(
                _("第%(rank)s希望が第%(other)s希望と同じです") % {"rank": rank, "other": seen[key]}
            )
        seen[key] = rank
        wishes.append(Wish(rank=rank, room=room, date=day, blocks=blocks))
    return wishes


def _require_applicant(actor):
    if isinstance(actor, SystemActor) or actor is None or not actor.is_authenticated:
        raise NotAllowed(_("抽選の申込にはログインが必要です"))
    if not actor.is_active:
        raise BookingRefused(_("この利用者は利用停止中のため申し込めません"))
    return actor


def _require_own_entry(actor, entry: LotteryEntry) -> None:
    _require_applicant(actor)
    if entry.applicant_id != actor.pk:
        raise NotAllowed(_("この申込を変更・取消できるのは申込者だけです"))


def _lock_open(lottery: Lottery, now) -> Lottery:
    """The lottery row, locked: applying and drawing never overlap, and the window is checked inside."""
    locked = Lottery.objects.select_for_update().select_related("centre").get(pk=lottery.pk)
    if locked.drawn_at is not None:
        raise BookingRefused(_("この抽選はすでに実施されました"))
    if now < locked.applications_open_at:
        raise BookingRefused(
            _("申込の受付は%(applications_open_at)sからです")
            % {"applications_open_at": dates.moment(locked.applications_open_at)}
        )
    if now > locked.applications_close_at:
        raise BookingRefused(
            _("申込は%(applications_close_at)sで締め切りました")
            % {"applications_close_at": dates.moment(locked.applications_close_at)}
        )
    return locked


def _duplicate_refusal(lottery: Lottery, applicant, group) -> BookingRefused:
    own = applicant and LotteryEntry.objects.filter(lottery=lottery, applicant=applicant).first()
    if own:
        return BookingRefused(
            _(
                "この抽選にはすでに申し込んでいます（申込番号 %(entry)s）。申込は1人1件です。内容は申込の変更でお直しください"
            )
            % {"entry": own.pk}
        )
    return BookingRefused(
        _("%(group)sはすでにこの抽選に申し込んでいます。申込は1団体1件です") % {"group": group.name}
    )


def _save_choices(entry: LotteryEntry, wishes: list[Wish]) -> None:
    for wish in wishes:
        choice = LotteryChoice.objects.create(entry=entry, rank=wish.rank, room=wish.room, date=wish.date)
        choice.blocks.set(wish.blocks)


@dataclass
class DrawOutcome:
    lottery: Lottery
    entries: int
    winners: int


def draw(*, actor, lottery: Lottery, now=None) -> DrawOutcome:
    """Run the draw once, at or after `draw_at`: each win becomes a booking (当選) to confirm by `confirm_by`.

    The lottery row is locked, so a second run (staff and the minute tick at once) waits and is
    then refused. The wins are held through `hold_blocks`, under the same guard on time as every
    booking; if a block was taken all the same, nothing of the draw is kept.
    """
    now = now or timezone.now()
    require_centre(actor, lottery.centre, pgettext("scope", "抽選"))
    with transaction.atomic():
        locked = (
            Lottery.objects.select_for_update()
            .select_related("centre")
            .prefetch_related("centre__blocks")
            .get(pk=lottery.pk)
        )
        if locked.drawn_at is not None:
            raise BookingRefused(
                _("この抽選は%(drawn_at)sに実施済みです") % {"drawn_at": dates.moment(locked.drawn_at)}
            )
        if now < locked.draw_at:
            raise BookingRefused(
                _("抽選は%(draw_at)sから実施できます") % {"draw_at": dates.moment(locked.draw_at)}
            )
        recorded, choice_ids = recorded_entries(locked)
        log = run_draw(seed=locked.seed, entries=recorded, unavailable=_unavailable(locked, recorded))
        log["seed_digest"] = locked.seed_digest
        log["drawn_at"] = now.isoformat()

        won = [choice_ids[d["entry"], d["rank"]] for d in log["decisions"] if d["result"] == WON]
        chosen = LotteryChoice.objects.select_related("room", "entry__applicant", "entry__group").in_bulk(won)
        blocks = {block.pk: block for block in locked.centre.blocks.all()}
        blocks_of = defaultdict(list)
        through = LotteryChoice.blocks.through.objects.filter(lotterychoice_id__in=won).order_by()
        for choice_id, block_id in through.values_list("lotterychoice_id", "timeblock_id"):
            blocks_of[choice_id].append(blocks[block_id])
        wins = [(chosen[pk].entry, chosen[pk], blocks_of[pk]) for pk in won]
        _hold_wins(actor, locked, wins)

        locked.drawn_at, locked.draw_log = now, log
        locked.save(update_fields=["drawn_at", "draw_log"])
        record(
            actor=actor,
            action="facilities.lottery_draw",
            obj=locked,
            before={"drawn_at": None},
            after={
                "drawn_at": now.isoformat(),
                "entries": len(recorded),
                "winners": log["winners"],
                "seed": locked.seed,
            },
        )
        emails.send_lottery_results_later(locked)
    lottery.refresh_from_db()
    return DrawOutcome(lottery=locked, entries=len(recorded), winners=log["winners"])


def _unavailable(lottery: Lottery, entries: list[dict]) -> list[dict]:
    """The blocks of the chosen rooms and days that no entry can win: booked already, or the centre is closed.

    `entries` as the draw log keeps them (`recorded_entries`)."""
    centre = lottery.centre
    wanted = {
        (choice["room"], datetime.date.fromisoformat(choice["date"]))
        for entry in entries
        for choice in entry["choices"]
    }
    if not wanted:
        return []
    blocks = list(centre.blocks.all())
    month = (lottery.month, add_months(lottery.month, 1))
    held = held_times(room__centre=centre, date__range=month)
    closed_days = dict(centre.closed_days.filter(date__range=month).order_by().values_list("date", "reason"))
    unavailable = []
    for room, day in sorted(wanted):
        closed = closure_reason(centre, day, closed_days)
        for block in blocks:
            if closed:
                reason = closed
            elif is_held(held, room, day, block):
                reason = "予約済み"
            else:
                continue
            unavailable.append({"room": room, "date": day.isoformat(), "block": block.code, "reason": reason})
    return unavailable


def _hold_wins(
    actor, lottery: Lottery, wins: list[tuple[LotteryEntry, LotteryChoice, list]]
) -> list[Reservation]:
    """Each win (the entry, its choice and the choice's blocks) a 当選 booking holding its blocks, with its
    fee and 減免 and its audit entry, in the order of the decisions: a few statements whatever their number."""
    percents = dict(lottery.centre.exemptions.values_list("group_kind", "percent"))
    made = []
    for entry, choice, chosen_blocks in wins:
        blocks = sorted(chosen_blocks, key=lambda b: b.position)
        room = choice.room
        room.centre = lottery.centre
        fee, exemption = fee_for(room, len(blocks), entry.group, percents)
        reservation = Reservation(
            room=room,
            date=choice.date,
            status=Reservation.Status.WON,
            holder=entry.applicant,
            group=entry.group,
            booked_by=None,
            fee_yen=fee,
            exemption_yen=exemption,
            lottery=lottery,
            confirm_by=lottery.confirm_by,
        )
        made.append((reservation, choice, blocks))
    if not made:
        return []
    Reservation.objects.bulk_create([reservation for reservation, _choice, _blocks in made])
    held = [
        ReservationBlock.holding(reservation, block)
        for reservation, _choice, blocks in made
        for block in blocks
    ]
    try:
        with transaction.atomic():
            ReservationBlock.objects.bulk_create(held)
    except IntegrityError:
        # A block taken behind the draw's back: held one booking at a time, the first that cannot be
        # held is refused as any booking would be (and the whole draw with it).
        for reservation, _choice, blocks in made:
            hold_blocks(reservation, blocks)
    for reservation, choice, _blocks in made:
        choice.won = reservation
    LotteryChoice.objects.bulk_update([choice for _reservation, choice, _blocks in made], ["won"])
    record_all(
        [
            audit_entry(
                actor=actor,
                action="facilities.lottery_win",
                obj=reservation,
                before=None,
                after=snapshot(reservation, [block.code for block in blocks]),
            )
            for reservation, _choice, blocks in made
        ]
    )
    return [reservation for reservation, _choice, _blocks in made]


# --- After the draw ----------------------------------------------------------------------------


def lapse_unconfirmed(*, actor, lottery: Lottery, now=None) -> list[Reservation]:
    """Winners who did not confirm by their deadline lose the slot (当選辞退): the blocks are released."""
    now = now or timezone.now()
    require_centre(actor, lottery.centre, pgettext("scope", "抽選"))
    lapsed = []
    overdue = Reservation.objects.filter(lottery=lottery, status=Reservation.Status.WON, confirm_by__lt=now)
    for reservation in overdue.order_by("id"):
        try:
            lapsed.append(
                transition(
                    actor=actor,
                    reservation=reservation,
                    allowed=(Reservation.Status.WON,),
                    to=Reservation.Status.LAPSED,
                    action="facilities.lottery_lapse",
                    reason=_("当選の確認期限切れ"),
                    now=now,
                )
            )
        except BookingRefused:
            continue  # confirmed or cancelled a moment before: nothing to lapse
    return lapsed


@dataclass
class TickReport:
    drawn: list[DrawOutcome] = field(default_factory=list)
    lapsed: list[Reservation] = field(default_factory=list)
    failed: list[tuple[Lottery, str]] = field(default_factory=list)


def run_due(now=None) -> TickReport:
    """Draw every lottery whose time has come and lapse every overdue win. Safe to run every minute."""
    now = now or timezone.now()
    report = TickReport()
    for lottery in Lottery.objects.filter(drawn_at__isnull=True, draw_at__lte=now).select_related("centre"):
        try:
            report.drawn.append(draw(actor=SYSTEM, lottery=lottery, now=now))
        except BookingRefused as refusal:
            lottery.refresh_from_db()
            if lottery.drawn_at is None:  # not merely drawn by someone else a moment ago
                report.failed.append((lottery, refusal.messages[0]))
    overdue = (
        Lottery.objects.filter(reservations__status=Reservation.Status.WON, reservations__confirm_by__lt=now)
        .distinct()
        .select_related("centre")
    )
    for lottery in overdue:
        report.lapsed += lapse_unconfirmed(actor=SYSTEM, lottery=lottery, now=now)
    return report


def _summary(lottery: Lottery) -> dict:
    """What the audit log keeps of a lottery's set-up: never the seed before it is public."""
    return {
        "centre": lottery.centre_id,
        "month": lottery.month.isoformat(),
        **{name: getattr(lottery, name).isoformat() for name, _label, _strictly in STEPS},
        "max_choices": lottery.max_choices,
        "seed_digest": lottery.seed_digest,
    }
