"""Event registrations in a person's rights over their data (see machi.accounts.privacy).

A registration made by a person holds no name or phone of theirs (those are a phone caller's, or a
walk-in's at the door, kept only on registrations without an account). The door adds when the party
was checked in at each session, whether it was a no-show, the fee paid, and, for a lottery, its tier
(a verified resident, new to the project this year, or neither) and drawn position. Deletion refusals, forgetting a person and erasing callers'
names and phones after the retention period are still to come with the rest of the events' work.
"""

from machi.accounts.privacy import rows
from machi.events.models import CheckIn, Registration


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
                "lottery_tier",
                "drawn_position",
                "no_show",
                "fee_paid_yen",
            ],
        ),
        # When the person's party was checked in at the door; the helper is named as the door names them.
        "event_checkins": rows(
            CheckIn.objects.filter(registration__person=user).order_by("checked_in_at", "id"),
            ["registration__code", "registration__event__title", "session__position", "checked_in_at"],
        ),
    }
