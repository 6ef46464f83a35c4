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

from machi.requests.actions.lifecycle import (
    CITY_BOUNDS,
    DATATYPES,
    DUPLICATE_DAYS,
    DUPLICATE_METRES,
    REOPEN_DAYS,
    TRANSITIONS,
    AttributesRefused,
    address_key,
    change_status,
    clean_attributes,
    find_duplicates,
    follow,
    metres_between,
    reopen,
    submit_request,
    withdraw,
)
from machi.requests.actions.money import (
    PAYABLE,
    ExpenditureRefused,
    record_expenditure,
    refund_expenditure,
    refunded_yen,
)
from machi.requests.actions.outcomes import post_request_outcomes
from machi.requests.actions.photos import add_photos, prepare_photo

__all__ = [
    "CITY_BOUNDS",
    "DATATYPES",
    "DUPLICATE_DAYS",
    "DUPLICATE_METRES",
    "PAYABLE",
    "REOPEN_DAYS",
    "TRANSITIONS",
    "AttributesRefused",
    "ExpenditureRefused",
    "add_photos",
    "address_key",
    "change_status",
    "clean_attributes",
    "find_duplicates",
    "follow",
    "metres_between",
    "post_request_outcomes",
    "prepare_photo",
    "record_expenditure",
    "refund_expenditure",
    "refunded_yen",
    "reopen",
    "submit_request",
    "withdraw",
]
