"""The lottery's draw and its timeline, with no writes: anyone can re-run the draw from the published
seed and the kept log (`run_draw`, `verify_draw`).

Each step has its set time on the `Lottery`, in this order:

1. `applications_open_at` … `applications_close_at`: a person applies (`apply`), for themselves
   or for an approved group they belong to, with up to `max_choices` ranked choices; they may
   change (`change_entry`) or withdraw (`withdraw`) until the window closes.
2. `draw_at`: the draw (`draw`), run by `machi worker` each minute (or `machi facilities_tick`,
   or by staff).
3. `confirm_by`: winners confirm (`actions.confirm_win`); the slots of those who did not
   are released (`lapse_unconfirmed`).
4. `first_come_opens_at`: what is left opens first-come (`actions.book` waits for it).

The draw can be re-run by anyone. The seed is drawn when the lottery is set up and only its
SHA-256 digest is shown until applications close; then the seed itself is published. The
algorithm (ALGORITHM) needs nothing else than the seed and the kept log: the entries with
their choices by entry number, and the blocks that were already taken when it ran.

The writes (apply, draw and hold the wins, lapse, the minute tick) are in `facilities.actions.lottery`.
"""

import datetime
import re

from django.utils import timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from machi.core.display import join_clauses, join_words
from machi.core.draws import Verification, plain, seed_digest, shuffled
from machi.facilities.models import Lottery, LotteryChoice, LotteryEntry
from machi.facilities.queries import add_months

ALGORITHM = (
    "machi-lottery-1: order = entry numbers ascending, shuffled by Python's random.Random(seed).shuffle; "
    "then for rank 1, 2, … each entry in that order without a win yet gets its choice of that rank "
    "if none of its blocks is taken (already booked, closed, or won by an earlier entry)."
)

WON, LOST, ALREADY_WON = "won", "lost", "already_won"


def default_schedule(centre, month: datetime.date) -> dict[str, datetime.datetime]:
    """Japanese practice for a target month, from the centre's booking window: applications for a week
    from the moment first-come booking would have opened (the `window_opens_day` of the month
    `window_months_ahead` before, at `window_opens_time`: the 1st at 9:00 two months ahead by default),
    the draw the next day at that time, a week to confirm, and the leftovers first-come the day after.
    With the defaults: apply 1st–7th, draw on the 8th at 9:00, confirm by the 15th, first-come from the 16th 9:00."""
    taking = add_months(month, -max(centre.window_months_ahead, 1))
    opening_day = taking.replace(day=centre.window_opens_day)
    opens = centre.window_opens_time
    last_second = datetime.time(23, 59, 59)

    def at(days: int, time: datetime.time) -> datetime.datetime:
        return timezone.make_aware(
            datetime.datetime.combine(opening_day + datetime.timedelta(days=days), time)
        )

    return {
        "applications_open_at": at(0, opens),
        "applications_close_at": at(6, last_second),
        "draw_at": at(7, opens),
        "confirm_by": at(14, last_second),
        "first_come_opens_at": at(15, opens),
    }


# The steps in order, and whether each must come strictly after the one before (the database's
# lottery_steps_in_order): the window has length, the draw may start the moment it closes, and so on.
STEPS = (
    ("applications_open_at", _("申込開始"), False),
    ("applications_close_at", _("申込締切"), True),
    ("draw_at", _("抽選日時"), False),
    ("confirm_by", _("当選者の確認期限"), True),
    ("first_come_opens_at", _("空き枠の先着受付開始"), False),
)


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


def entry_snapshot(entry: LotteryEntry) -> dict:
    return {
        "lottery": entry.lottery_id,
        "applicant": entry.applicant_id,
        "group": entry.group_id,
        "choices": choice_records(entry),
    }


def choice_records(entry: LotteryEntry) -> list[dict]:
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


def recorded_entries(lottery: Lottery) -> tuple[list[dict], dict[tuple[int, int], int]]:
    """Every entry of the lottery as the draw log keeps it (`choice_records`, by entry number), and the
    id of each choice by (entry, rank). Three queries, read as plain values whatever the number of
    entries (5,000 entries' choices as model instances cost seconds)."""
    codes = {
        block_id: code
        for block_id, code in lottery.centre.blocks.order_by("position").values_list("id", "code")
    }
    order = {block_id: n for n, block_id in enumerate(codes)}
    blocks_of: dict[int, list[int]] = {}
    for choice_id, block_id in (
        LotteryChoice.blocks.through.objects.filter(lotterychoice__entry__lottery=lottery)
        .order_by()
        .values_list("lotterychoice_id", "timeblock_id")
    ):
        blocks_of.setdefault(choice_id, []).append(block_id)
    entries: dict[int, list[dict]] = {
        pk: []
        for pk in LotteryEntry.objects.filter(lottery=lottery).order_by("id").values_list("id", flat=True)
    }
    ids = {}
    for choice_id, entry_id, rank, room_id, day in (
        LotteryChoice.objects.filter(entry__lottery=lottery)
        .order_by("entry_id", "rank")
        .values_list("id", "entry_id", "rank", "room_id", "date")
    ):
        blocks = sorted(blocks_of.get(choice_id, ()), key=order.__getitem__)
        entries[entry_id].append(
            {"rank": rank, "room": room_id, "date": day.isoformat(), "blocks": [codes[b] for b in blocks]}
        )
        ids[entry_id, rank] = choice_id
    return [{"entry": pk, "choices": choices} for pk, choices in entries.items()], ids


# --- The draw ----------------------------------------------------------------------------------


def run_draw(*, seed: str, entries: list[dict], unavailable: list[dict]) -> dict:
    """The draw itself, from plain data only, so that anyone can re-run it.

    `entries`: [{"entry": number, "choices": [{"rank", "room", "date", "blocks"}]}];
    `unavailable`: [{"room", "date", "block", "reason"}], the blocks taken before the draw.
    Returns the order and every decision, with its reason (and for a loss, the blocks that were taken).
    """
    order = shuffled(seed, (entry["entry"] for entry in entries))
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


def verify_draw(lottery: Lottery) -> Verification:
    """Re-run the draw from the published seed over the recorded entries; does it give the kept log?

    Also checks the seed against the digest shown before, that the log covers exactly the
    entries in the database, and that the bookings made are those the log says were won.
    """
    if lottery.drawn_at is None:
        return Verification(ok=False, problems=[gettext("まだ抽選していません")])
    log = lottery.draw_log
    problems = []
    if seed_digest(lottery.seed) != lottery.seed_digest or log.get("seed") != lottery.seed:
        problems.append(gettext("乱数の種が、事前に公開したハッシュと一致しません"))
    recorded, _ids = recorded_entries(lottery)
    if plain(recorded) != plain(log.get("entries")):
        problems.append(gettext("記録された申込が、データベースの申込と一致しません"))
    rerun = run_draw(
        seed=lottery.seed, entries=log.get("entries", []), unavailable=log.get("unavailable", [])
    )
    if rerun["order"] != log.get("order"):
        problems.append(gettext("乱数の種から求めた順番が、記録と一致しません"))
    if plain(rerun["decisions"]) != plain(log.get("decisions")):
        problems.append(gettext("再計算した当落が、記録と一致しません"))
    logged_wins = {(d["entry"], d["rank"]) for d in log.get("decisions", []) if d["result"] == WON}
    booked_wins = set(
        LotteryChoice.objects.filter(entry__lottery=lottery, won__isnull=False).values_list(
            "entry_id", "rank"
        )
    )
    if logged_wins != booked_wins:
        problems.append(gettext("当選の予約が、記録の当選と一致しません"))
    return Verification(ok=not problems, problems=problems)


_ALREADY_WON = re.compile(r"第(\d+)希望で当選済み")
_TAKEN_BY = re.compile(r"申込番号(\d+)が第(\d+)希望で当選")


def reason_text(reason: str) -> str:
    """A decision's reason as the log keeps it (Japanese, so re-running the draw compares alike), in the
    page's language."""
    if reason == "すべての区分が空いていたため当選":
        return gettext("すべての区分が空いていたため当選")
    if match := _ALREADY_WON.fullmatch(reason):
        return gettext("第%(rank)s希望で当選済み") % {"rank": match.group(1)}
    parts = reason.split("、")
    if all(_TAKEN_BY.fullmatch(part) for part in parts):
        return join_clauses(
            gettext("申込番号%(number)sが第%(rank)s希望で当選") % {"number": m.group(1), "rank": m.group(2)}
            for m in (_TAKEN_BY.fullmatch(part) for part in parts)
        )
    return reason


def decision_rows(lottery: Lottery) -> list[dict]:
    """The log's decisions with the room, day and blocks of each choice, for the pages."""
    log = lottery.draw_log or {}
    choices = {(e["entry"], c["rank"]): c for e in log.get("entries", []) for c in e["choices"]}
    rooms = {room.pk: room for room in lottery.centre.rooms.all()}
    labels = {block.code: block.display_label for block in lottery.centre.blocks.all()}
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
                "blocks": join_words(labels.get(code, code) for code in choice["blocks"]),
                "why": (
                    join_words(labels.get(code, code) for code in decision["blocks"])
                    + pgettext("区切り", "：")
                    + reason_text(decision["reason"])
                    if decision.get("blocks")
                    else reason_text(decision["reason"])
                ),
            }
        )
    return rows
