"""Every write on events: the web pages, the API and the CLI all call these.

One module per job, re-exported here so callers write `from machi.events import actions` and
`actions.register(...)`:

- `events`: an event's life (create a draft with its sessions, publish);
- `registration`: registering a party, cancelling, and promoting the waiting list;
- `venue`: an event in a Machi room holds the room's blocks (on publishing) and releases them.

Each action takes a required keyword `actor`, checks scope through `machi.accounts.scope`, runs in
one transaction and is audited. A refusal is an `EventRefused` (400) or an `EventConflict` (409).
"""

from machi.events.actions.errors import EventConflict, EventRefused
from machi.events.actions.events import create_event, publish_event
from machi.events.actions.registration import cancel, new_code, register
from machi.events.actions.venue import hold_venue, release_venue

__all__ = [
    "EventConflict",
    "EventRefused",
    "cancel",
    "create_event",
    "hold_venue",
    "new_code",
    "publish_event",
    "register",
    "release_venue",
]
