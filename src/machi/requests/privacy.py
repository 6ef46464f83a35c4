"""Residents' requests in a person's rights over their data (see machi.accounts.privacy): the requests
they made, with what they wrote and where, and the requests they follow; forgetting them and the
retention sweep (`machi.requests.actions.privacy` says what is erased and what stays, and why a closed
request is kept five fiscal years)."""

from machi.accounts.privacy import rows
from machi.requests.models import Follower, Photo, Request


def personal_data(user) -> dict[str, list[dict]]:
    return {
        "requests": rows(
            Request.objects.filter(requester=user).order_by("created_at", "id"),
            [
                "id",
                "ward__code",
                "fiscal_year",
                "number",
                "category__name",
                "description",
                "latitude",
                "longitude",
                "address",
                "school_district",
                "attributes",
                "group__name",
                "status",
                "created_at",
                "resolved_at",
                "erased_at",
            ],
        ),
        # Photos are described, not copied into the download: each can be opened on the request's page.
        "request_photos": rows(
            Photo.objects.filter(request__requester=user).order_by("uploaded_at", "id"),
            [
                "request__ward__code",
                "request__fiscal_year",
                "request__number",
                "content_type",
                "size",
                "sha256",
            ],
        ),
        "requests_followed": rows(
            Follower.objects.filter(user=user).order_by("at", "id"),
            ["request__ward__code", "request__fiscal_year", "request__number", "at"],
        ),
    }


def forget_person(user, *, actor) -> None:
    from machi.requests.actions.privacy import forget_requests

    forget_requests(actor=actor, user=user)


def anonymise_expired(before, *, actor) -> int:
    from machi.requests.actions.privacy import erase_expired

    return erase_expired(before, actor=actor)
