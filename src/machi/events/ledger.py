"""What the events tell the ledger through `EventsConfig`: the expenses each project's events have posted.

An event's expense is already in its project's 決算額 (`actions.money`), so it holds nothing more of
the budget (`settled_yen` = `committed_yen`); the commitment keeps the project in the ward and year its
events spent in (`machi.ledger.actions.keep_services_in_place`).
"""

from django.db.models import Sum
from django.utils.translation import gettext as _


def budget_commitments(project_ids) -> list:
    from machi.events.models import EventExpense
    from machi.ledger.queries import Commitment

    spent = (
        EventExpense.objects.filter(event__project_id__in=list(project_ids), withdrawn_at__isnull=True)
        .values(
            "event__project_id",
            "event__project__programme__fiscal_year",
            "event__project__programme__ward_id",
        )
        .annotate(total=Sum("amount_yen"))
        .order_by("event__project_id")
    )
    return [
        Commitment(
            project_id=row["event__project_id"],
            service=_("催し・講座・訓練"),
            what=_("支出済み"),
            committed_yen=int(row["total"]),
            fiscal_year=row["event__project__programme__fiscal_year"],
            ward_id=row["event__project__programme__ward_id"],
            settled_yen=int(row["total"]),
        )
        for row in spent
    ]
