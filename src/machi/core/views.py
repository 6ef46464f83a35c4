"""Pages every app shares: the answer to a request Machi cannot serve as asked."""

from django.core.exceptions import BadRequest
from django.shortcuts import render


def bad_request(request, exception):
    """400 with the reason a page gave (`BadRequest`), in the page's language.

    Django's own 400 page says nothing; other causes of a 400 (a suspicious request) keep their
    reason to themselves.
    """
    reason = str(exception) if type(exception) is BadRequest else ""
    return render(request, "400.html", {"reason": reason}, status=400)
