"""How large a request's body may be: refused with 413 before a byte of it is read.

Every request is held to `MACHI_MAX_REQUEST_BYTES` (1 MB: forms and JSON are far smaller); a
view that takes uploads says its own cap with `@max_body(bytes)`. The check reads only the
declared Content-Length, so a 400 MB upload costs nothing; a body sent without one is not
read by Django at all. The reverse proxy in front should refuse the same sizes
(`client_max_body_size` in nginx), so the largest upload never reaches an app server.
"""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext


def max_body(limit: int):
    """Let this view take a body of up to `limit` bytes (an upload), instead of the site's cap."""

    def mark(view):
        view.max_body_bytes = limit
        return view

    return mark


class RequestSizeLimitMiddleware:
    """Refuses a body over its view's cap (413) before anything reads it, the CSRF check included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        limit = getattr(view, "max_body_bytes", settings.MACHI_MAX_REQUEST_BYTES)
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared <= limit:
            return None
        message = gettext("送信された内容が大きすぎます（%(size)s バイト、上限 %(limit)s バイト）") % {
            "size": f"{declared:,}",
            "limit": f"{limit:,}",
        }
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {"detail": message, "code": "too_large"},
                status=413,
                json_dumps_params={"ensure_ascii": False},
            )
        return render(request, "413.html", {"reason": message}, status=413)
