"""Pages every app shares: the answer to a request Machi cannot serve as asked."""

import json
import sys

from django.core.exceptions import BadRequest
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext

from machi.core import unavailable as database

API_PREFIX = "/api/"  # the JSON API (machi.urls): its errors are JSON, never a page


def bad_request(request, exception):
    """400 with the reason a page gave (`BadRequest`), in the page's language.

    Django's own 400 page says nothing; other causes of a 400 (a suspicious request) keep their
    reason to themselves.
    """
    reason = str(exception) if type(exception) is BadRequest else ""
    return render(request, "400.html", {"reason": reason}, status=400)


def server_message() -> str:
    return gettext("サーバーで問題が起きました。しばらくしてからもう一度お試しください。")


def json_error(detail: str, code: str, status: int) -> HttpResponse:
    """The API's error shape (`machi.api_errors`), for an answer given outside the API's own handlers."""
    body = json.dumps({"detail": detail, "code": code}, ensure_ascii=False)
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


def server_error(request):
    """500 (handler500): what Django answers for an error no view handled, in the middleware too.

    The API answers in its JSON shape, a page with the 500 page; a database that is down or locked
    answers 503 with Retry-After (the API's `api_errors.unavailable` and the pages'
    `DatabaseUnavailableMiddleware` answer it for views; this, for what runs around them). It reads
    no database: the one it has may be the cause.
    """
    error = sys.exc_info()[1]
    if isinstance(error, database.UNAVAILABLE):
        database.log(request, error)
        if request.path.startswith(API_PREFIX):
            response = json_error(database.message(), "unavailable", 503)
        else:
            response = database.page()
        response["Retry-After"] = str(database.RETRY_AFTER_SECONDS)
        return response
    if request.path.startswith(API_PREFIX):
        return json_error(server_message(), "server_error", 500)
    return HttpResponse(render_to_string("500.html"), status=500)
