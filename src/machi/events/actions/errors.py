"""The refusals of every events action: a rule said no (400), or the event as it stands (409)."""

from machi.core.errors import Conflict, Refused


class EventRefused(Refused):
    """A rule about events refused the request (400); the message says which and why."""

    default_code = "events.refused"


class EventConflict(EventRefused, Conflict):
    """The event as it stands refuses the request (409): full, closed, already registered."""

    default_code = "events.conflict"
