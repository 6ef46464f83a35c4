"""Residents' requests in a person's rights over their data (see machi.accounts.privacy): the requests
they made, with what they wrote and where, and the requests they follow. (Forgetting and retention are
still to come: the requests keep their place in the numbering, with the text and location erased.)"""

from machi.accounts.privacy import rows
from machi.requests.models import Follower, Request


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
                "group__name",
                "status",
                "created_at",
                "resolved_at",
            ],
        ),
        "requests_followed": rows(
            Follower.objects.filter(user=user).order_by("at", "id"),
            ["request__ward__code", "request__fiscal_year", "request__number", "at"],
        ),
    }
