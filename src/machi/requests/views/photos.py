"""A request's photo, to the staff of its ward and to the requester only: anyone else gets 404."""

from django.http import HttpResponse
from django.utils.translation import gettext as _

from machi.core.errors import NotFound
from machi.requests.queries import photo_for


def photo(request, photo_id: int):
    found = photo_for(request.user, photo_id)
    if found is None:
        raise NotFound(_("写真が見つかりません"), code="requests.no_photo")
    response = HttpResponse(bytes(found.content), content_type=found.content_type)
    response["Content-Length"] = str(found.size)
    response["Content-Disposition"] = f'inline; filename="request-photo-{found.pk}"'
    # Never kept by a shared cache or the browser's, never sniffed as anything but the image it is.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
