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
    """What the envelope still holds for new decisions (None: the project has no budget at all)."""
    from machi.grants.models import Application

    envelope = programme.envelope_yen
    if envelope is None:
        return None
    return envelope - Application.objects.filter(programme=programme).committed_yen()
