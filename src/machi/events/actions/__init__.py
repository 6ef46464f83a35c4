"""Every write on events: the web pages, the API and the CLI all call these.

One module per job, re-exported here so callers write `from machi.events import actions` and
`actions.register(...)`:

- `events`: an event's life (create or propose a draft with its sessions and questions, edit it,
  publish it, approve or decline a group's proposal, cancel it);
- `registration`: registering a party, cancelling, and promoting the waiting list;
- `lottery`: the lottery's seed, its draw after registration closes, and its verification;
- `attendance`: the door: helpers, check-ins, walk-ins, closing the event as held;
- `money`: an event's expenses by 節, posted to its project's 決算額 through the ledger;
- `outcomes`: what the events achieved, posted to their projects as ledger outcomes;
- `venue`: an event in a Machi room holds the room's blocks (on publishing) and releases them.

Each action takes a required keyword `actor`, checks scope through `machi.accounts.scope`, runs in
one transaction and is audited. A refusal is an `EventRefused` (400) or an `EventConflict` (409).
"""

from machi.events.actions.attendance import (
    CheckInResult,
    add_walk_in,
    check_in,
    close_as_held,
    grant_helper,
    record_roster_seen,
    revoke_helper,
)
from machi.events.actions.errors import EventConflict, EventRefused
from machi.events.actions.events import (
    EventCancellation,
    QuestionInput,
    approve_event,
    cancel_event,
    create_event,
    decline_event,
    propose_event,
    publish_event,
    require_event_editor,
    submit_event,
    update_event,
)
from machi.events.actions.lottery import draw, verify_draw
from machi.events.actions.money import correct_expense, record_expense, withdraw_expense
from machi.events.actions.outcomes import EventsPosting, post_event_outcomes
from machi.events.actions.registration import AlreadyRegistered, cancel, clean_answers, new_code, register
from machi.events.actions.venue import hold_venue, release_venue

__all__ = [
    "AlreadyRegistered",
    "CheckInResult",
    "EventCancellation",
    "EventConflict",
    "EventRefused",
    "EventsPosting",
    "QuestionInput",
    "add_walk_in",
    "approve_event",
    "cancel",
    "cancel_event",
    "check_in",
    "clean_answers",
    "close_as_held",
    "correct_expense",
    "create_event",
    "decline_event",
    "draw",
    "grant_helper",
    "hold_venue",
    "new_code",
    "post_event_outcomes",
    "propose_event",
    "publish_event",
    "record_expense",
    "record_roster_seen",
    "register",
    "release_venue",
    "require_event_editor",
    "revoke_helper",
    "submit_event",
    "update_event",
    "verify_draw",
    "withdraw_expense",
]
