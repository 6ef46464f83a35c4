"""Event registrations in a person's rights over their data (see machi.accounts.privacy).

A registration made by a person holds no name or phone of theirs (those are a phone caller's, kept
only on registrations without an account). Deletion refusals, forgetting a person and erasing callers'
names and phones after the retention period are still to come with the rest of the events' work.
"""

from machi.accounts.privacy import rows
from machi.events.models import Registration


def personal_data(user) -> dict[str, list[dict]]:
    return {
        "event_registrations": rows(
            Registration.objects.filter(person=user).order_by("created_at", "id"),
            [
                "id",
                "event__title",
                "code",
                "party_size",
                "status",
                "created_at",
                "waitlisted_at",
                "cancelled_at",
            ],
        ),
    }
