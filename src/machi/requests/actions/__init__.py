"""Every write of residents' requests: the pages, the Machi API, Open311 and the CLI all call these.

One module per job, re-exported here so callers write `from machi.requests import actions`:

- `lifecycle`: submit (numbered without a gap), duplicates offered first, follow, staff's change of
  status (409 on a stale version), the requester's reopen and withdraw;
- `money`: expenditures from the category's fund, posted to the fund project's 決算額, refunds (戻入);
- `photos`: photos checked by content and stored without metadata;
- `outcomes`: the statistics and yen per category posted to the fund projects as ledger outcomes;
- `privacy`: forgetting a person's requests and the retention sweep.

Each takes keyword `actor`, checks its scope, runs in one transaction and writes the audit log.
"""

from machi.requests.actions.categories import import_categories
from machi.requests.actions.lifecycle import (
    CITY_BOUNDS,
    DUPLICATE_DAYS,
    DUPLICATE_METRES,
    REOPEN_DAYS,
    TRANSITIONS,
    address_key,
    change_status,
    find_duplicates,
    follow,
    metres_between,
    reopen,
    submit_request,
    withdraw,
)
from machi.requests.actions.outcomes import post_request_outcomes
from machi.requests.actions.photos import add_photos, prepare_photo
from machi.requests.actions.privacy import erase_expired, erase_request, forget_requests

__all__ = [
    "CITY_BOUNDS",
    "DUPLICATE_DAYS",
    "DUPLICATE_METRES",
    "REOPEN_DAYS",
    "TRANSITIONS",
    "add_photos",
    "address_key",
    "change_status",
    "erase_expired",
    "erase_request",
    "find_duplicates",
    "follow",
    "forget_requests",
    "import_categories",
    "metres_between",
    "post_request_outcomes",
    "prepare_photo",
    "reopen",
    "submit_request",
    "withdraw",
]
