"""抽選: a centre's month offered by lottery first, then its leftovers first-come.

Its steps and their times are told in `facilities.draw`.

This module is the one name the pages, the commands and the tests use for the lottery. It holds
no code of its own: the pure, re-runnable draw and the lottery's timeline are `facilities.draw`
(no writes); every write is in `facilities.actions.lottery`; a person's entry is
`facilities.queries.entry_of`; the result mail is `facilities.emails.send_lottery_results`.
"""

from machi.facilities.actions.lottery import (
    DrawOutcome,
    TickReport,
    Wish,
    apply,
    cancel_lottery,
    change_entry,
    change_lottery,
    check_choices,
    create_lottery,
    draw,
    lapse_unconfirmed,
    run_due,
    withdraw,
)
from machi.facilities.draw import (
    ALGORITHM,
    ALREADY_WON,
    LOST,
    STEPS,
    WON,
    Stage,
    Verification,
    can_draw,
    choice_records,
    decision_rows,
    default_schedule,
    entry_snapshot,
    published_seed,
    run_draw,
    seed_digest,
    stage,
    verify_draw,
    when,
)
from machi.facilities.emails import send_lottery_results as send_results
from machi.facilities.queries import add_months, booking_opens_at, closure_reason, entry_of, fee_for

__all__ = [
    "ALGORITHM",
    "ALREADY_WON",
    "LOST",
    "STEPS",
    "WON",
    "DrawOutcome",
    "Stage",
    "TickReport",
    "Verification",
    "Wish",
    "add_months",
    "apply",
    "booking_opens_at",
    "can_draw",
    "cancel_lottery",
    "change_entry",
    "change_lottery",
    "check_choices",
    "choice_records",
    "closure_reason",
    "create_lottery",
    "decision_rows",
    "default_schedule",
    "draw",
    "entry_of",
    "entry_snapshot",
    "fee_for",
    "lapse_unconfirmed",
    "published_seed",
    "run_draw",
    "run_due",
    "seed_digest",
    "send_results",
    "stage",
    "verify_draw",
    "when",
    "withdraw",
]
