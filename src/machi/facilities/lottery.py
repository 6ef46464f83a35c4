"""抽選: a centre's month offered by lottery first, then its leftovers first-come.

Each step has its set time on the `Lottery`, in this order:

1. `applications_open_at` … `applications_close_at`: a person applies (`apply`), for themselves
   or for an approved group they belong to, with up to `max_choices` ranked choices; they may
   change (`change_entry`) or withdraw (`withdraw`) until the window closes.
2. `draw_at`: the draw (`draw`), run by `machi facilities_tick` each minute or by staff.
3. `confirm_by`: winners confirm (`actions.confirm_win`); the slots of those who did not
   are released (`lapse_unconfirmed`).
4. `first_come_opens_at`: what is left opens first-come (`actions.book` waits for it).

The draw can be re-run by anyone. The seed is drawn when the lottery is set up and only its
SHA-256 digest is shown until applications close; then the seed itself is published. The
algorithm (ALGORITHM) needs nothing else than the seed and the kept log: the entries with
their choices by entry number, and the blocks that were already taken when it ran.
"""

import datetime
import hashlib
import itertools
import json
import random
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from machi.accounts.actions import NotAllowed
from machi.accounts.actors import SYSTEM, SystemActor, actor_user
from machi.accounts.models import CommunityGroup
from machi.audit.actions import record
from machi.facilities.actions import (
    BookingRefused,
    blocks_for,
    hold_blocks,
    require_centre,
    require_group_may_book,
    snapshot,
    transition,
)
from machi.facilities.models import Lottery, LotteryChoice, LotteryEntry, Reservation, ReservationBlock
from machi.facilities.queries import add_months, booking_opens_at, closure_reason, fee_for

ALGORITHM = (
    "machi-lottery-1: order = entry numbers ascending, shuffled by Python's random.Random(seed).shuffle; "
    "then for rank 1, 2, … each entry in that order without a win yet gets its choice of that rank "
    "if none of its blocks is taken (already booked, closed, or won by an earlier entry)."
)

WON, LOST, ALREADY_WON = "won", "lost", "already_won"


# --- Setting up ----------------------------------------------------------------------------


def default_schedule(centre, month: datetime.date) -> dict[str, datetime.datetime]:
    """Japanese practice for a target month: apply on the 1st–7th of the month the booking window
    opens (two months ahead by default), draw on the 8th at 9:00, confirm by the 15th, and the
    leftovers open first-come on the 16th at 9:00."""
    taking = add_months(month, -max(centre.window_months_ahead, 1))

    def at(day: int, time: datetime.time) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(taking.replace(day=day), time))

    return {
        "applications_open_at": at(1, datetime.time(9, 0)),
        "applications_close_at": at(7, datetime.time(23, 59, 59)),
        "draw_at": at(8, datetime.time(9, 0)),
        "confirm_by": at(15, datetime.time(23, 59, 59)),
        "first_come_opens_at": at(16, datetime.time(9, 0)),
    }


# The steps in order, and whether each must come strictly after the one before (the database's
# lottery_steps_in_order): the window has length, the draw may start the moment it closes, and so on.
STEPS = (
    ("applications_open_at", "申込開始", False),
    ("applications_close_at", "申込締切", True),
    ("draw_at", "抽選日時", False),
    ("confirm_by", "当選者の確認期限", True),
    ("first_come_opens_at", "空き枠の先着受付開始", False),
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
    require_centre(actor, centre, "抽選")
    now = now or timezone.now()
    month = month.replace(day=1)
    times = {
        "applications_open_at": applications_open_at,
        "applications_close_at": applications_close_at,
        "draw_at": draw_at,
        "confirm_by": confirm_by,
        "first_come_opens_at": first_come_opens_at,
    }
    for (earlier, earlier_label, _), (later, later_label, strictly) in itertools.pairwise(STEPS):
        if times[later] < times[earlier] or (strictly and times[later] == times[earlier]):
            after = "より後" if strictly else "以降"
            raise BookingRefused(
                f"{later_label}（{when(times[later])}）は{earlier_label}（{when(times[earlier])}）{after}にしてください"
            )
    if not 1 <= max_choices <= 5:
        raise BookingRefused("希望の数は1〜5にしてください")
    if applications_close_at <= now:
        raise BookingRefused(f"申込締切（{when(applications_close_at)}）がすでに過ぎています")
    month_starts = timezone.make_aware(datetime.datetime.combine(month, datetime.time(0, 0)))
    if first_come_opens_at > month_starts:
        raise BookingRefused(
            f"空き枠の先着受付開始（{when(first_come_opens_at)}）は対象月（{month:%Y年%-m月}）より前にしてください"
        )
    first_come = booking_opens_at(centre, month, resident=True)
    if first_come <= now:
        raise BookingRefused(
            f"{month:%Y年%-m月}分はすでに先着順の受付（{when(first_come)}から）が始まっているため、抽選にできません"
        )

    seed = secrets.token_hex(32)
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
            raise BookingRefused(f"{centre.name}の{month:%Y年%-m月}分の抽選はすでにあります") from None
        record(
            actor=actor, action="facilities.lottery_create", obj=lottery, before=None, after=_summary(lottery)
        )
    return lottery


def seed_digest(seed: str) -> str:
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def published_seed(lottery: Lottery, now: datetime.datetime | None = None) -> str | None:
    """The seed, once applications have closed; None before (only its digest is public then)."""
    now = now or timezone.now()
    return lottery.seed if now > lottery.applications_close_at else None


def when(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%Y年%-m月%-d日 %H:%M}"


class Stage:
    """Where a lottery stands at a moment."""

    UPCOMING = "upcoming"  # the window has not opened
    OPEN = "open"  # taking applications
    CLOSED = "closed"  # waiting for the draw
    DRAWN = "drawn"  # winners confirming
    FIRST_COME = "first_come"  # leftovers open first-come


def stage(lottery: Lottery, now: datetime.datetime | None = None) -> str:
    now = now or timezone.now()
    if lottery.drawn_at is not None:
        return Stage.FIRST_COME if now >= lottery.first_come_opens_at else Stage.DRAWN
    if now < lottery.applications_open_at:
        return Stage.UPCOMING
    if now <= lottery.applications_close_at:
        return Stage.OPEN
    return Stage.CLOSED


def can_draw(lottery: Lottery, now: datetime.datetime | None = None) -> bool:
    return lottery.drawn_at is None and (now or timezone.now()) >= lottery.draw_at


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
        raise BookingRefused("希望を1つ以上選んでください")
    if len(choices) > lottery.max_choices:
        raise BookingRefused(f"希望は{lottery.max_choices}つまでです")
    wishes, seen = [], {}
    for rank, (room, day, block_codes) in enumerate(choices, start=1):
        try:
            if room.centre_id != centre.pk:
                raise BookingRefused(f"{room.name}は{centre.name}の部屋ではありません")
            if day.replace(day=1) != lottery.month:
                raise BookingRefused(f"{lottery.month:%Y年%-m月}の日を選んでください（{day:%Y年%-m月%-d日}）")
            blocks = blocks_for(room, list(block_codes))
            if reason := closure_reason(centre, day):
                raise BookingRefused(f"{day:%Y年%-m月%-d日}は{centre.name}の{reason}です")
        except BookingRefused as refusal:
            raise BookingRefused(f"第{rank}希望：{refusal.messages[0]}") from None
        key = (room.pk, day, tuple(block.pk for block in blocks))
        if key in seen:
            raise BookingRefused(f"第{rank}希望が第{seen[key]}希望と同じです")
        seen[key] = rank
        wishes.append(Wish(rank=rank, room=room, date=day, blocks=blocks))
    return wishes


def entry_of(user, lottery: Lottery) -> LotteryEntry | None:
    if user is None or not user.is_authenticated:
        return None
    return (
        LotteryEntry.objects.filter(lottery=lottery, applicant=user)
        .select_related("group")
        .prefetch_related("choices__room", "choices__blocks", "choices__won__held_blocks__block")
        .first()
    )


def entry_snapshot(entry: LotteryEntry) -> dict:
    return {
        "lottery": entry.lottery_id,
        "applicant": entry.applicant_id,
        "group": entry.group_id,
        "choices": _choice_records(entry),
    }


def _require_applicant(actor):
    if isinstance(actor, SystemActor) or actor is None or not actor.is_authenticated:
        raise NotAllowed("抽選の申込にはログインが必要です")
    if not actor.is_active:
        raise BookingRefused("この利用者は利用停止中のため申し込めません")
    return actor


def _require_own_entry(actor, entry: LotteryEntry) -> None:
    _require_applicant(actor)
    if entry.applicant_id != actor.pk:
        raise NotAllowed("この申込を変更・取消できるのは申込者だけです")


def _lock_open(lottery: Lottery, now) -> Lottery:
    """The lottery row, locked: applying and drawing never overlap, and the window is checked inside."""
    locked = Lottery.objects.select_for_update().select_related("centre").get(pk=lottery.pk)
    if locked.drawn_at is not None:
        raise BookingRefused("この抽選はすでに実施されました")
    if now < locked.applications_open_at:
        raise BookingRefused(f"申込の受付は{when(locked.applications_open_at)}からです")
    if now > locked.applications_close_at:
        raise BookingRefused(f"申込は{when(locked.applications_close_at)}で締め切りました")
    return locked


def _duplicate_refusal(lottery: Lottery, applicant, group) -> BookingRefused:
    own = applicant and LotteryEntry.objects.filter(lottery=lottery, applicant=applicant).first()
    if own:
        return BookingRefused(
            f"この抽選にはすでに申し込んでいます（申込番号 {own.pk}）。申込は1人1件です。内容は申込の変更でお直しください"
        )
    return BookingRefused(f"{group.name}はすでにこの抽選に申し込んでいます。申込は1団体1件です")


def _save_choices(entry: LotteryEntry, wishes: list[Wish]) -> None:
    for wish in wishes:
        choice = LotteryChoice.objects.create(entry=entry, rank=wish.rank, room=wish.room, date=wish.date)
        choice.blocks.set(wish.blocks)


def _choice_records(entry: LotteryEntry) -> list[dict]:
    """An entry's choices as the draw log keeps them: rank, room id, ISO date, block codes in order."""
    return [
        {
            "rank": choice.rank,
            "room": choice.room_id,
            "date": choice.date.isoformat(),
            "blocks": [block.code for block in sorted(choice.blocks.all(), key=lambda b: b.position)],
        }
        for choice in sorted(entry.choices.all(), key=lambda c: c.rank)
    ]


# --- The draw ----------------------------------------------------------------------------------


def run_draw(*, seed: str, entries: list[dict], unavailable: list[dict]) -> dict:
    """The draw itself, from plain data only, so that anyone can re-run it.

    `entries`: [{"entry": number, "choices": [{"rank", "room", "date", "blocks"}]}];
    `unavailable`: [{"room", "date", "block", "reason"}], the blocks taken before the draw.
    Returns the order and every decision, with its reason (and for a loss, the blocks that were taken).
    """
    order = sorted(entry["entry"] for entry in entries)
    random.Random(seed).shuffle(order)
    choices = {(e["entry"], c["rank"]): c for e in entries for c in e["choices"]}
    ranks = sorted({rank for _, rank in choices})
    held = {(u["room"], u["date"], u["block"]): u["reason"] for u in unavailable}
    won: dict[int, int] = {}
    decisions = []
    for rank in ranks:
        for number in order:
            choice = choices.get((number, rank))
            if choice is None:
                continue
            decision = {"rank": rank, "entry": number}
            if number in won:
                decision |= {"result": ALREADY_WON, "reason": f"第{won[number]}希望で当選済み"}
            else:
                keys = [(choice["room"], choice["date"], code) for code in choice["blocks"]]
                clashes = [key for key in keys if key in held]
                if clashes:
                    reasons = sorted({held[key] for key in clashes})
                    decision |= {
                        "result": LOST,
                        "blocks": [code for _, _, code in clashes],
                        "reason": "、".join(reasons),
                    }
                else:
                    for key in keys:
                        held[key] = f"申込番号{number}が第{rank}希望で当選"
                    won[number] = rank
                    decision |= {"result": WON, "reason": "すべての区分が空いていたため当選"}
            decisions.append(decision)
    return {
        "algorithm": ALGORITHM,
        "seed": seed,
        "entries": entries,
        "unavailable": unavailable,
        "order": order,
        "decisions": decisions,
        "winners": len(won),
    }


@dataclass
class DrawOutcome:
    lottery: Lottery
    entries: int
    winners: int


def draw(*, actor, lottery: Lottery, now=None) -> DrawOutcome:
    """Run the draw once, at or after `draw_at`: each win becomes a booking (当選) to confirm by `confirm_by`.

    The lottery row is locked, so a second run (staff and the minute tick at once) waits and is
    then refused. The wins are held through `hold_blocks`, under the same unique index as every
    booking; if a block was taken all the same, nothing of the draw is kept.
    """
    now = now or timezone.now()
    require_centre(actor, lottery.centre, "抽選")
    with transaction.atomic():
        locked = Lottery.objects.select_for_update().select_related("centre").get(pk=lottery.pk)
        if locked.drawn_at is not None:
            raise BookingRefused(f"この抽選は{when(locked.drawn_at)}に実施済みです")
        if now < locked.draw_at:
            raise BookingRefused(f"抽選は{when(locked.draw_at)}から実施できます")
        entries = list(
            locked.entries.order_by("id")
            .select_related("applicant", "group")
            .prefetch_related("choices__blocks")
        )
        recorded = [{"entry": entry.pk, "choices": _choice_records(entry)} for entry in entries]
        log = run_draw(seed=locked.seed, entries=recorded, unavailable=_unavailable(locked, entries))
        log["seed_digest"] = locked.seed_digest
        log["drawn_at"] = now.isoformat()

        by_key = {
            (entry.pk, choice.rank): (entry, choice) for entry in entries for choice in entry.choices.all()
        }
        for decision in log["decisions"]:
            if decision["result"] == WON:
                entry, choice = by_key[(decision["entry"], decision["rank"])]
                _hold_win(actor, locked, entry, choice)

        locked.drawn_at, locked.draw_log = now, log
        locked.save(update_fields=["drawn_at", "draw_log"])
        record(
            actor=actor,
            action="facilities.lottery_draw",
            obj=locked,
            before={"drawn_at": None},
            after={
                "drawn_at": now.isoformat(),
                "entries": len(entries),
                "winners": log["winners"],
                "seed": locked.seed,
            },
        )
        transaction.on_commit(lambda: send_results(locked))
    lottery.refresh_from_db()
    return DrawOutcome(lottery=locked, entries=len(entries), winners=log["winners"])


def _unavailable(lottery: Lottery, entries: list[LotteryEntry]) -> list[dict]:
    """The blocks of the chosen rooms and days that no entry can win: booked already, or the centre is closed."""
    centre = lottery.centre
    wanted = {(choice.room_id, choice.date) for entry in entries for choice in entry.choices.all()}
    if not wanted:
        return []
    codes = [block.code for block in centre.blocks.all()]
    taken = {
        (room, day, code)
        for room, day, code in ReservationBlock.objects.filter(
            room__centre=centre, date__range=(lottery.month, add_months(lottery.month, 1)), active=True
        ).values_list("room_id", "date", "block__code")
    }
    unavailable = []
    for room, day in sorted(wanted):
        closed = closure_reason(centre, day)
        for code in codes:
            if closed:
                reason = closed
            elif (room, day, code) in taken:
                reason = "予約済み"
            else:
                continue
            unavailable.append({"room": room, "date": day.isoformat(), "block": code, "reason": reason})
    return unavailable


def _hold_win(actor, lottery: Lottery, entry: LotteryEntry, choice: LotteryChoice) -> Reservation:
    blocks = sorted(choice.blocks.all(), key=lambda b: b.position)
    fee, exemption = fee_for(choice.room, len(blocks), entry.group)
    reservation = Reservation.objects.create(
        room=choice.room,
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
    hold_blocks(reservation, blocks)
    choice.won = reservation
    choice.save(update_fields=["won"])
    record(
        actor=actor,
        action="facilities.lottery_win",
        obj=reservation,
        before=None,
        after=snapshot(reservation),
    )
    return reservation


@dataclass
class Verification:
    ok: bool
    problems: list[str] = field(default_factory=list)


def verify_draw(lottery: Lottery) -> Verification:
    """Re-run the draw from the published seed over the recorded entries; does it give the kept log?

    Also checks the seed against the digest shown before, that the log covers exactly the
    entries in the database, and that the bookings made are those the log says were won.
    """
    if lottery.drawn_at is None:
        return Verification(ok=False, problems=["まだ抽選していません"])
    log = lottery.draw_log
    problems = []
    if seed_digest(lottery.seed) != lottery.seed_digest or log.get("seed") != lottery.seed:
        problems.append("乱数の種が、事前に公開したハッシュと一致しません")
    entries = list(lottery.entries.order_by("id").prefetch_related("choices__blocks"))
    recorded = [{"entry": entry.pk, "choices": _choice_records(entry)} for entry in entries]
    if _plain(recorded) != _plain(log.get("entries")):
        problems.append("記録された申込が、データベースの申込と一致しません")
    rerun = run_draw(
        seed=lottery.seed, entries=log.get("entries", []), unavailable=log.get("unavailable", [])
    )
    if rerun["order"] != log.get("order"):
        problems.append("乱数の種から求めた順番が、記録と一致しません")
    if _plain(rerun["decisions"]) != _plain(log.get("decisions")):
        problems.append("再計算した当落が、記録と一致しません")
    logged_wins = {(d["entry"], d["rank"]) for d in log.get("decisions", []) if d["result"] == WON}
    booked_wins = set(
        LotteryChoice.objects.filter(entry__lottery=lottery, won__isnull=False).values_list(
            "entry_id", "rank"
        )
    )
    if logged_wins != booked_wins:
        problems.append("当選の予約が、記録の当選と一致しません")
    return Verification(ok=not problems, problems=problems)


def _plain(data):
    """JSON as stored: key order (PostgreSQL's jsonb sorts keys) and tuples do not matter."""
    return json.loads(json.dumps(data, sort_keys=True))


def decision_rows(lottery: Lottery) -> list[dict]:
    """The log's decisions with the room, day and blocks of each choice, for the pages."""
    log = lottery.draw_log or {}
    choices = {(e["entry"], c["rank"]): c for e in log.get("entries", []) for c in e["choices"]}
    rooms = {room.pk: room for room in lottery.centre.rooms.all()}
    labels = {block.code: block.label for block in lottery.centre.blocks.all()}
    position = {number: n for n, number in enumerate(log.get("order", []), start=1)}
    rows = []
    for decision in log.get("decisions", []):
        choice = choices[(decision["entry"], decision["rank"])]
        rows.append(
            decision
            | {
                "position": position.get(decision["entry"]),
                "room": rooms.get(choice["room"]),
                "date": datetime.date.fromisoformat(choice["date"]),
                "blocks": "・".join(labels.get(code, code) for code in choice["blocks"]),
                "why": (
                    "・".join(labels.get(code, code) for code in decision["blocks"])
                    + "："
                    + decision["reason"]
                    if decision.get("blocks")
                    else decision["reason"]
                ),
            }
        )
    return rows


# --- After the draw ----------------------------------------------------------------------------


def lapse_unconfirmed(*, actor, lottery: Lottery, now=None) -> list[Reservation]:
    """Winners who did not confirm by their deadline lose the slot (当選辞退): the blocks are released."""
    now = now or timezone.now()
    require_centre(actor, lottery.centre, "抽選")
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
                    reason="当選の確認期限切れ",
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


# --- Mail --------------------------------------------------------------------------------------


def send_results(lottery: Lottery) -> None:
    """Tell every applicant their result: what they won and by when to confirm, or that they lost."""
    entries = (
        lottery.entries.select_related("applicant", "group", "lottery__centre")
        .prefetch_related("choices__room", "choices__won__held_blocks__block")
        .order_by("id")
    )
    site = settings.MACHI_SITE_URL
    for entry in entries:
        applicant = entry.applicant
        if not applicant.email:
            continue
        won = next((choice for choice in entry.choices.all() if choice.won_id), None)
        context = {
            "entry": entry,
            "lottery": lottery,
            "centre": lottery.centre,
            "user": applicant,
            "choice": won,
            "reservation": won.won if won else None,
            "url": site + reverse("facilities:lottery-entry", args=[lottery.pk]),
        }
        with translation.override(applicant.preferred_language or "ja"):
            subject = render_to_string("facilities/emails/lottery_result_subject.txt", context)
            body = render_to_string("facilities/emails/lottery_result.txt", context)
        send_mail(" ".join(subject.split()), body, None, [applicant.email])


def _summary(lottery: Lottery) -> dict:
    """What the audit log keeps of a lottery's set-up: never the seed before it is public."""
    return {
        "centre": lottery.centre_id,
        "month": lottery.month.isoformat(),
        **{name: getattr(lottery, name).isoformat() for name, _, _ in STEPS},
        "max_choices": lottery.max_choices,
        "seed_digest": lottery.seed_digest,
    }
