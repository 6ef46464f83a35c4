"""Errors that carry their HTTP status and a stable code: one type per status, shared by every app.

An action raises one of these with a message for people (through gettext, so it speaks the
request's language) and, where a program may want to tell refusals apart, a machine `code`
("booking.slot_taken", "grants.envelope_exceeded"). The API maps them once (`api_errors`):
the body is `{"detail": message, "code": code}` with `status`. Web pages show a `Refused` or a
`Conflict` on the form that caused it, and let a `NotAllowed` propagate to the 403 page.

- `Refused` (400): a rule said no. A django `ValidationError`, so forms and `add_action_errors`
  keep working.
- `Conflict` (409): the state of the data said no (the slot is taken, the envelope is spent,
  already paid). A `Refused` too, so a form shows it the same way.
- `Unprocessable` (422): well formed, but at odds with what was sent before (an `Idempotency-Key`
  reused with another request).
- `NotAllowed` (403): the actor lacks the scope. A django `PermissionDenied`.
- `NotFound` (404): there is no such thing (for the actor). A django `Http404`.

Subclass one of these per app and per rule, with its own `code`; give a code per raise only
where one class holds several refusals a program needs to tell apart.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404


class Refused(ValidationError):
    """A rule refused the request (400); the message says which and why."""

    status = 400
    default_code = "refused"

    def __init__(self, message, code: str | None = None, params=None):
        super().__init__(message, code=code or self.default_code, params=params)


class Conflict(Refused):
    """The data as it stands refuses the request (409): someone holds it, it is spent, it is done."""

    status = 409
    default_code = "conflict"


class Unprocessable(Refused):
    """The request is well formed but contradicts one the server already holds (422): a key reused for another body."""

    status = 422
    default_code = "unprocessable"


class NotAllowed(PermissionDenied):
    """The actor lacks the scope for this (403); the message says what and where."""

    status = 403
    default_code = "not_allowed"

    def __init__(self, message="", code: str | None = None):
        super().__init__(message)
        self.code = code or self.default_code


class NotFound(Http404):
    """There is no such thing, or none the actor may see (404)."""

    status = 404
    default_code = "not_found"

    def __init__(self, message="", code: str | None = None):
        super().__init__(message)
        self.code = code or self.default_code


def status_of(error: Exception, default: int = 400) -> int:
    return getattr(error, "status", default)


def code_of(error: Exception, default: str) -> str:
    """The error's machine code; a plain django ValidationError (a model's `full_clean`) has none."""
    code = getattr(error, "code", None)
    return code if isinstance(code, str) and code else default
