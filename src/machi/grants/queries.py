"""The business questions about grants: what is open, what a group applied for, what the envelope holds."""

from django.db import models
from django.db.models import Case, F, Q, Sum, When
from django.db.models.functions import Coalesce


class GrantProgrammeQuerySet(models.QuerySet):
    def for_year(self, fiscal_year: int):
        return self.filter(fiscal_year=fiscal_year)

    def in_ward(self, ward):
        return self.filter(ward=ward)

    def open_at(self, moment):
        return self.filter(opens_at__lte=moment, closes_at__gt=moment)

    def with_details(self):
        """Programmes with their ward, project and tracks: two queries, however many programmes."""
        return self.select_related("ward", "project").prefetch_related("tracks")


class ApplicationQuerySet(models.QuerySet):
    def committed(self):
        """Applications whose grant counts against the envelope (decided and not released since)."""
        return self.filter(status__in=self.model.COMMITTED)

    def committed_yen(self) -> int:
        """The sum they hold: each its 確定額 once confirmed, else its 交付決定額."""
        total = self.committed().aggregate(
            total=Sum(Coalesce(F("confirmed_yen"), F("decided_yen")), default=0)
        )["total"]
        return int(total)

    def of_person(self, user):
        """Applications a person made, or made for a group they represent or are listed in."""
        from machi.accounts.models import CommunityGroup

        # A subquery, not a join through the members: each application comes once, and sums over it stay right.
        groups = CommunityGroup.objects.filter(Q(representative=user) | Q(members__user=user)).values("pk")
        return self.filter(Q(applicant=user) | Q(group__in=groups))

    def with_details(self):
        return self.select_related("programme__ward", "track", "group", "applicant")


def expenses_yen(application, phase: str) -> tuple[int, int]:
    """(all, eligible) expenses of an application's planned or actual lines, in yen."""
    totals = application.expenses.filter(phase=phase).aggregate(
        total=Sum("amount_yen", default=0),
        eligible=Sum(Case(When(category__eligible=True, then=F("amount_yen")), default=0), default=0),
    )
    return int(totals["total"]), int(totals["eligible"])


def eligible_expenses_yen(application, phase: str) -> int:
    return expenses_yen(application, phase)[1]


def planned_grant_yen(application) -> int:
    """The grant the rule gives on the application's planned eligible expenses."""
    from machi.grants.rules import compute_grant

    return compute_grant(application.track, eligible_expenses_yen(application, "planned"))


def envelope_left_yen(programme) -> int | None:
    """What the programme's project still holds for new decisions: the ledger's one figure
    (`machi.ledger.queries.money_left`: budget − 決算額 − decided and unpaid). None: no budget at all."""
    from machi.ledger.queries import stored_money_left

    return stored_money_left([programme.project_id])[programme.project_id].left_yen


# --- For the pages ---------------------------------------------------------------------------


def with_committed_yen(programmes):
    """Programmes annotated with `committed_yen` (what their decisions hold: 確定額 once confirmed, else
    交付決定額) and `paid_committed_yen` (the part of it paid, so already in the project's 決算額): one query."""
    from machi.grants.models import Application

    committed = Coalesce(F("applications__confirmed_yen"), F("applications__decided_yen"))
    return programmes.annotate(
        committed_yen=Sum(committed, filter=Q(applications__status__in=Application.COMMITTED), default=0),
        paid_committed_yen=Sum(committed, filter=Q(applications__status=Application.Status.PAID), default=0),
    )


def with_money_left(programmes) -> list:
    """The programmes (a list), each with `money` (its project's `MoneyLeft`, the ledger's one figure)
    and `committed_yen`: two queries and one per service that holds money on projects, however many."""
    from machi.ledger.queries import money_left_of

    programmes = list(with_committed_yen(programmes))
    lefts = money_left_of([programme.project for programme in programmes])
    for programme in programmes:
        programme.money = lefts[programme.project_id]
        programme.left_yen = programme.money.left_yen
    return programmes


def budget_commitments(project_ids) -> list:
    """What the grant programmes paid from these ledger projects hold of their budgets: one query.

    The ledger asks through `GrantsConfig.budget_commitments` (see `machi.ledger.queries.Commitment`):
    a programme's committed sum (確定額 once confirmed, else 交付決定額), and its year and ward.
    """
    from django.utils.translation import gettext as _

    from machi.grants.models import GrantProgramme
    from machi.ledger.queries import Commitment

    programmes = with_committed_yen(GrantProgramme.objects.filter(project_id__in=list(project_ids)))
    return [
        Commitment(
            project_id=programme.project_id,
            service=_("補助金「%(name)s」") % {"name": programme.name},
            what=_("交付決定済み"),
            committed_yen=int(programme.committed_yen),
            fiscal_year=programme.fiscal_year,
            ward_id=programme.ward_id,
            settled_yen=int(programme.paid_committed_yen),
        )
        for programme in programmes.order_by("project_id", "id")
    ]


def programme_totals(programme) -> dict:
    """The staff's figures against the envelope: decided, confirmed, paid (less repayments), and what is
    left (`money`, `remaining`: the ledger's `money_left` of the project, the one figure every page shows).

    Three queries (one the ledger's ask of the services), however many applications.
    """
    from machi.grants.models import Application, Repayment

    Status = Application.Status
    totals = Application.objects.filter(programme=programme).aggregate(
        decided=Sum("decided_yen", filter=Q(status__in=Application.COMMITTED), default=0),
        committed=Sum(
            Coalesce(F("confirmed_yen"), F("decided_yen")),
            filter=Q(status__in=Application.COMMITTED),
            default=0,
        ),
        confirmed=Sum("confirmed_yen", filter=Q(status__in=(Status.CONFIRMED, Status.PAID)), default=0),
        paid=Sum("payment__amount_yen", default=0),
    )
    repaid = Repayment.objects.filter(application__programme=programme).aggregate(
        total=Sum("amount_yen", default=0)
    )["total"]
    from machi.ledger.queries import money_left

    envelope = programme.envelope_yen
    left = money_left(programme.project)  # the project as the caller loaded it, with the programme
    return {
        "envelope": envelope,
        "money": left,
        "decided": int(totals["decided"]),
        "committed": int(totals["committed"]),
        "confirmed": int(totals["confirmed"]),
        "paid": int(totals["paid"]),
        "repaid": int(repaid),
        "paid_net": int(totals["paid"]) - int(repaid),
        "remaining": left.left_yen,
    }


def status_counts(applications) -> dict[str, int]:
    """How many applications are in each status: one query."""
    return {
        row["status"]: row["n"]
        for row in applications.order_by().values("status").annotate(n=models.Count("pk"))
    }


def tracks_with_counts(programme, applications):
    """The programme's tracks, each with how many applications (of `applications`) and their decided sum."""
    from machi.grants.models import Application

    ids = applications.values("pk")
    in_set = Q(applications__pk__in=ids)
    return programme.tracks.annotate(
        application_count=models.Count("applications", filter=in_set),
        decided_yen=Sum(
            "applications__decided_yen",
            filter=in_set & Q(applications__status__in=Application.COMMITTED),
            default=0,
        ),
    )
