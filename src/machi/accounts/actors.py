"""Who performs a write: a signed-in person, or the system operator at the command line.

Every write action takes `actor` as a required keyword, so no path can forget to
say who acts; `SYSTEM` is the operator with shell access (`machi demo`, an import
without `--user`), who is trusted with every ward.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class SystemActor:
    label: str = "system"

    def __str__(self) -> str:
        return self.label


SYSTEM = SystemActor()

Actor = object  # a User or SYSTEM (typed loosely: the user model is swappable)


def actor_user(actor):
    """The user to store on a row (None for the system operator)."""
    if actor is None:
        raise ValueError("actor is required: a user, or SYSTEM for the command line")
    return None if isinstance(actor, SystemActor) else actor


def actor_label(actor) -> str:
    return actor.label if isinstance(actor, SystemActor) else actor.get_username()
