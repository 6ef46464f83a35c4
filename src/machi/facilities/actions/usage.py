"""Posting the centres' usage to the ledger as outcomes of their projects."""

import datetime
from dataclasses import dataclass

from django.db import transaction

from machi.facilities import stats


@dataclass
class UsagePosting:
    project: object
    usage: stats.Usage
    withdrawn: int = 0


def post_usage(*, actor, fiscal_year: int, month: datetime.date | None = None) -> list[UsagePosting]:
    """Post the usage of each project's centres for the fiscal year (or one month of it) to the ledger.

    Several centres may share a project: each project gets its totals and each room's
    figures (metrics `room-<id>__…`). Re-posting a period replaces its figures, and a
    figure this run no longer gives (a room or centre gone from the project) is withdrawn.
    """
    from machi.ledger.actions import post_outcomes
    from machi.ledger.models import Outcome, Project

    start, end = stats.period_bounds(fiscal_year, month)
    projects = (
        Project.objects.filter(programme__fiscal_year=fiscal_year, centres__isnull=False)
        .distinct()
        .select_related("programme__ward")
        .order_by("programme__ward__code", "no", "pk")
    )
    postings = []
    with transaction.atomic():
        for project in projects:
            found = stats.usage(project.centres.select_related("ward"), start, end)
            figures = stats.outcome_figures(found)
            posted = post_outcomes(
                actor=actor,
                project=project,
                source=stats.SOURCE,
                period_start=start,
                period_end=end,
                figures=figures,
            )
            postings.append(UsagePosting(project=project, usage=found, withdrawn=posted.withdrawn))
        # A project whose centres all left it keeps no figures of ours for the period.
        left = (
            Outcome.objects.filter(
                project__programme__fiscal_year=fiscal_year,
                source=stats.SOURCE,
                period_start=start,
                period_end=end,
            )
            .exclude(project__in=[p.project.pk for p in postings])
            .values_list("project", flat=True)
            .distinct()
        )
        for project in Project.objects.filter(pk__in=list(left)).select_related("programme__ward"):
            post_outcomes(
                actor=actor,
                project=project,
                source=stats.SOURCE,
                period_start=start,
                period_end=end,
                figures=[],
            )
    return postings
