"""Outcomes a service posts to a project (`post_outcomes`): a period's figures, replaced as a whole."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import pgettext

from machi.accounts.scope import require_ward
from machi.audit.actions import record
from machi.ledger.models import Outcome, Project


@dataclass(frozen=True)
class OutcomeFigure:
    metric: str
    label: str
    value: Decimal | int
    unit: str = ""


@dataclass
class OutcomePosting:
    outcomes: list[Outcome]
    withdrawn: int


def post_outcomes(
    *, actor, project: Project, source: str, period_start, period_end, figures: list[OutcomeFigure]
) -> OutcomePosting:
    """A service posts its figures for a period to the project, replacing what it posted for that period.

    A figure given again with the same value changes nothing; a figure the service posted
    before and no longer gives is withdrawn. Scoped to the project's ward like every ledger
    write, and each real change is audited.
    """
    require_ward(actor, project.programme.ward, pgettext("scope", "事業の成果"))
    period = {"project": project, "source": source, "period_start": period_start, "period_end": period_end}
    posted = []
    with transaction.atomic():
        earlier = {
            outcome.metric: outcome for outcome in Outcome.objects.select_for_update().filter(**period)
        }
        for figure in figures:
            value = Decimal(figure.value).quantize(Decimal("0.01"))
            after = {"metric": figure.metric, "label": figure.label, "value": str(value), "unit": figure.unit}
            outcome = earlier.pop(figure.metric, None)
            before = None if outcome is None else _outcome_snapshot(outcome)
            if outcome is None:
                outcome = Outcome.objects.create(
                    **period, metric=figure.metric, label=figure.label, value=value, unit=figure.unit
                )
            elif before != after:
                outcome.label, outcome.value, outcome.unit = figure.label, value, figure.unit
                outcome.save()
            if before != after:
                record(actor=actor, action="ledger.post_outcome", obj=outcome, before=before, after=after)
            posted.append(outcome)
        for outcome in earlier.values():
            record(
                actor=actor,
                action="ledger.withdraw_outcome",
                obj=outcome,
                before=_outcome_snapshot(outcome),
                after=None,
            )
            outcome.delete()
    return OutcomePosting(outcomes=posted, withdrawn=len(earlier))


def _outcome_snapshot(outcome: Outcome) -> dict:
    value = Decimal(outcome.value).quantize(Decimal("0.01"))
    return {"metric": outcome.metric, "label": outcome.label, "value": str(value), "unit": outcome.unit}
