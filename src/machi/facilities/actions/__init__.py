"""Every write about centres, bookings and lotteries: the web pages, the API and the CLI all call these.

One module per job, re-exported here so callers write `from machi.facilities.actions import book`
or `actions.book(...)`:

- `centres`: a centre and its parts (rooms, blocks, closures, 減免), within the actor's wards;
- `booking`: booking a room and every step after it (approve, decline, cancel, no-show, confirm a win);
- `centre_import`: centres and rooms read from files, all or nothing;
- `usage`: the centres' usage posted to the ledger;
- `lottery`: the lottery's writes (set-up, applying, the draw's bookings, lapsing, the minute tick);
  the draw itself, pure and re-runnable, is `facilities.draw`.

A refusal is a `BookingRefused` (a rule said no: 400 in the API) or a `SlotTaken`
(someone holds the block: 409), each with a message that says why.
The last word on taken time belongs to the database (see `ReservationBlock`):
the checks here only make the refusal readable.
"""

from machi.facilities.actions.booking import (
    AlreadyYours,
    BookingRefused,
    SlotTaken,
    approve,
    blocks_for,
    book,
    cancel,
    cancellation_deadline,
    confirm_win,
    decline,
    group_refused,
    hold_blocks,
    mark_no_show,
    require_group_may_book,
    snapshot,
    transition,
)
from machi.facilities.actions.centre_import import (
    CentreImportReport,
    CentresChangedDuringImport,
    Tally,
    import_centres,
)
from machi.facilities.actions.centres import (
    CENTRE_PARTS,
    can_manage_centre,
    delete_centre_part,
    model_snapshot,
    require_centre,
    save_centre,
    save_centre_part,
    set_booking_window,
)
from machi.facilities.actions.lottery import cancel_lottery, change_lottery, create_lottery
from machi.facilities.actions.usage import UsagePosting, post_usage

__all__ = [
    "CENTRE_PARTS",
    "AlreadyYours",
    "BookingRefused",
    "CentreImportReport",
    "CentresChangedDuringImport",
    "SlotTaken",
    "Tally",
    "UsagePosting",
    "approve",
    "blocks_for",
    "book",
    "can_manage_centre",
    "cancel",
    "cancel_lottery",
    "cancellation_deadline",
    "change_lottery",
    "confirm_win",
    "create_lottery",
    "decline",
    "delete_centre_part",
    "group_refused",
    "hold_blocks",
    "import_centres",
    "mark_no_show",
    "model_snapshot",
    "post_usage",
    "require_centre",
    "require_group_may_book",
    "save_centre",
    "save_centre_part",
    "set_booking_window",
    "snapshot",
    "transition",
]
