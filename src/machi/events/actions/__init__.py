"""Every write on events: the web pages, the API and the CLI all call these.

One module per job, re-exported here so callers write `from machi.events import actions` and
`actions.register(...)`:

- `events`: an event's life (create or propose a draft with its sessions and questions, edit it,
  publish it, approve or decline a group's proposal, cancel it);
- `registration`: registering a party, cancelling, and promoting the waiting list;
- `money`: an event's expenses by 節, posted to its project's 決算額 through the ledger;
- `outcomes`: what the events achieved, posted to their projects as ledger outcomes.

Each action takes a required keyword `actor`, checks scope through `machi.accounts.scope`, runs in
one transaction and is audited. A refusal is an `EventRefused` (400) or an `EventConflict` (409).
"""

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
from machi.events.actions.money import correct_expense, record_expense, withdraw_expense
from machi.events.actions.outcomes import EventsPosting, post_event_outcomes
from machi.events.actions.registration import cancel, clean_answers, new_code, register

__all__ = [
    "EventCancellation",
    "EventConflict",
    "EventRefused",
    "EventsPosting",
    "QuestionInput",
    "approve_event",
    "cancel",
    "cancel_event",
    "clean_answers",
    "correct_expense",
    "create_event",
    "decline_event",
    "new_code",
    "post_event_outcomes",
    "propose_event",
    "publish_event",
    "record_expense",
    "register",
    "require_event_editor",
    "submit_event",
    "update_event",
    "withdraw_expense",
]
