"""Every write on events: the web pages, the API and the CLI all call these.

One module per job, re-exported here so callers write `from machi.events import actions` and
`actions.register(...)`:

- `events`: an event's life (create a draft with its sessions, publish);
- `registration`: registering a party, cancelling, and promoting the waiting list;
- `money`: an event's expenses by 節, posted to its project's 決算額 through the ledger;
- `outcomes`: what the events achieved, posted to their projects as ledger outcomes.

Each action takes a required keyword `actor`, checks scope through `machi.accounts.scope`, runs in
one transaction and is audited. A refusal is an `EventRefused` (400) or an `EventConflict` (409).
"""

from machi.events.actions.errors import EventConflict, EventRefused
from machi.events.actions.events import create_event, publish_event
from machi.events.actions.money import correct_expense, record_expense, withdraw_expense
from machi.events.actions.outcomes import EventsPosting, post_event_outcomes
from machi.events.actions.registration import cancel, new_code, register

__all__ = [
    "EventConflict",
    "EventRefused",
    "EventsPosting",
    "cancel",
    "correct_expense",
    "create_event",
    "new_code",
    "post_event_outcomes",
    "publish_event",
    "record_expense",
    "register",
    "withdraw_expense",
]
