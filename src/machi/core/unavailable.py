"""When the database is down or locked: 503 with Retry-After, a page or the API's error shape, no traceback.

A write that could not reach the database wrote nothing (its transaction never committed), so
the person may simply try again; Retry-After says when. Pages are answered by the middleware
below, the API by `api_errors` with the same words.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.translation import get_language, gettext

logger = logging.getLogger("machi.unavailable")

# The errors of a database that cannot answer now (down, unreachable, locked past its timeout).
UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def message() -> str:
    return gettext("ただいまデータベースに接続できません。しばらくしてからもう一度お試しください。")


def log(request, error: Exception) -> None:
    logger.error("database unavailable: %s %s: %s", request.method, request.path, error)


class DatabaseUnavailableMiddleware:
    """Answers a page whose view met an unavailable database with a 503 page (no template reaches the database)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, UNAVAILABLE):
            return None
        log(request, exception)
        response = page()
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


def page() -> HttpResponse:
    """The 503 page, rendered without the request: its context processors would ask the database for the user."""
    context = {"message": message(), "LANGUAGE_CODE": get_language(), "stylesheet": _stylesheet()}
    return HttpResponse(render_to_string("503.html", context), status=503)


def _stylesheet() -> str | None:
    """The site's stylesheet, if it can be named: a page that says the site is down must not fail itself."""
    try:
        return static("machi.css")
    except ValueError:  # not collected yet (production's manifest has no entry)
        return None
