"""The pure pieces every published-seed draw shares (the facilities' lottery, the events' lottery).

A draw's seed is drawn when the draw is set up and kept secret; only its SHA-256 digest is shown
until entries close, and then the seed itself is published, so anyone can re-run the draw from the
seed and the kept log and see that no one chose the result. Nothing here writes or knows a model.
"""

import hashlib
import json
import random
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field


def new_seed() -> str:
    """A fresh secret seed: 32 random bytes as 64 hex digits."""
    return secrets.token_hex(32)


def seed_digest(seed: str) -> str:
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def shuffled(seed: str, numbers: Iterable[int], rng: random.Random | None = None) -> list[int]:
    """The numbers ascending, then shuffled by Python's random.Random(seed).shuffle (or by `rng`, one
    generator carried across several shuffles)."""
    order = sorted(numbers)
    (rng or random.Random(seed)).shuffle(order)
    return order


def plain(data):
    """JSON as stored: key order (PostgreSQL's jsonb sorts keys) and tuples do not matter."""
    return json.loads(json.dumps(data, sort_keys=True))


@dataclass
class Verification:
    ok: bool
    problems: list[str] = field(default_factory=list)
