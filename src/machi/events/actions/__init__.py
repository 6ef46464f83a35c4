"""Every write on events: the web pages, the API and the CLI all call these.

One module per job, re-exported here so callers write `from machi.events import actions` and
`actions.register(...)`:

- `events`: an event's life (create a draft with its sessions, publish);
- `registration`: registering a party, cancelling, and promoting the waiting list;
- `lottery`: the lottery's seed, its draw after registration closes, and its verification;
- `attendance`: the door: helpers, check-ins, walk-ins, closing the event as held.

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
from machi.events.actions.events import create_event, publish_event
from machi.events.actions.lottery import draw, verify_draw
from machi.events.actions.registration import cancel, new_code, register

__all__ = [
    "CheckInResult",
    "EventConflict",
    "EventRefused",
    "add_walk_in",
    "cancel",
    "check_in",
    "close_as_held",
    "create_event",
    "draw",
    "grant_helper",
    "new_code",
    "publish_event",
    "record_roster_seen",
    "register",
    "revoke_helper",
    "verify_draw",
]
