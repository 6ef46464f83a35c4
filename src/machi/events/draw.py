"""The events' lottery draw, with no writes: anyone can re-run it from the published seed and the kept log.

The seed is drawn when a lottery event is published (`actions.lottery.seed_lottery`) and only its
SHA-256 digest is shown until registration closes; then the seed itself is published. The draw
(ALGORITHM) needs nothing but the seed, the seats to give and the kept entries, each with its
party size and its tier:

1. verified residents of the event's ward;
2. people who have not attended (been checked in at) an event of the same project this fiscal year;
3. everyone else.

The shared pieces (seed, digest, shuffle, verification) are `machi.core.draws`, as the facilities'
lottery uses them.
"""

import random

from machi.core.draws import seed_digest, shuffled

ALGORITHM = (
    "machi-event-lottery-1: for tier 1, 2, 3 in turn, that tier's registration ids ascending, shuffled by "
    "one Python random.Random(seed) carried from tier to tier; the order is tier 1's, then tier 2's, then "
    "tier 3's. In that order each whole party wins while its seats fit the seats left; a party that does "
    "not fit loses, and a smaller one behind it may still win. The losers wait in the drawn order."
)
TIERS = (1, 2, 3)
WON, LOST = "won", "lost"


def run_draw(*, seed: str, seats: int, entries: list[dict]) -> dict:
    """The draw from plain data: `entries` = [{"entry": registration id, "party": n, "tier": 1|2|3}].

    Returns the log: the algorithm, seed, seats, entries, the order and each decision in order.
    """
    rng = random.Random(seed)
    order = []
    for tier in TIERS:
        order += shuffled(seed, (e["entry"] for e in entries if e["tier"] == tier), rng=rng)
    party = {e["entry"]: e["party"] for e in entries}
    tiers = {e["entry"]: e["tier"] for e in entries}
    left = seats
    decisions = []
    for position, number in enumerate(order, start=1):
        won = party[number] <= left
        if won:
            left -= party[number]
        decisions.append(
            {
                "position": position,
                "entry": number,
                "tier": tiers[number],
                "party": party[number],
                "result": WON if won else LOST,
                "seats_left": left,
            }
        )
    return {
        "algorithm": ALGORITHM,
        "seed": seed,
        "seed_digest": seed_digest(seed),
        "seats": seats,
        "entries": entries,
        "order": order,
        "decisions": decisions,
        "winners": sum(1 for d in decisions if d["result"] == WON),
    }
