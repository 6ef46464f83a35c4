"""The ledger and the services that spend its projects' money agree: the one rule every path that changes
a project's budget, or moves a project or a programme to another ward or year, goes through.

The services say what they hold through their AppConfig's `budget_commitments` hook
(`machi.ledger.queries.commitments_of`); the ledger never imports them.

- A budget (2月補正後, else 当初予算) changed to below what services have committed against the
  project is refused (`BelowCommitments`, 400), unless the change states why: then it is accepted,
  the reason is kept (`BudgetShortfall`) and audited, and `machi ledger check` lists the project.
- A service's decision beyond what the project has left (`machi.ledger.queries.money_left`) is
  refused by the service unless staff state why: `state_overdraw` keeps the reason
  (`BudgetShortfall`), audits it, and `machi ledger check` lists the project while it is overdrawn.
- A project a service's record belongs to stays in that record's ward and fiscal year: moving the
  project to another ward-year programme, or changing its programme's year or ward, is refused
  (`ServiceInAnotherYear`, 400).
"""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from machi.accounts.actors import actor_user
from machi.audit.actions import record
from machi.core.errors import Refused
from machi.core.fiscal import wareki
from machi.core.text import normalize
from machi.ledger.models import BudgetShortfall, Programme, Project
from machi.ledger.queries import MoneyLeft, Shortfall, budget_of, commitments_of, shortfalls_of


class BelowCommitments(Refused):
    """A budget below what services have committed against the project, with no reason given (400).

    `shortfalls` names each project refused, for a caller that reports them one by one (the import).
    """

    default_code = "ledger.below_commitments"

    def __init__(self, message, code: str | None = None, params=None, *, shortfalls=()):
        super().__init__(message, code=code, params=params)
        self.shortfalls = list(shortfalls)


class ServiceInAnotherYear(Refused):
    """A project would leave the ward or fiscal year a service's record on it belongs to (400)."""

    default_code = "ledger.service_in_another_year"


def hold_commitments(projects: Iterable[Project], *, actor, reason: str = "") -> list[Shortfall]:
    """Projects whose budget is changing (holding their new figures) keep within their commitments,
    or the change states why.

    Without a reason, a shortfall is refused (`BelowCommitments`, naming each project, service and
    amount). With one, each shortfall is kept with the reason (`BudgetShortfall`) and audited; the
    shortfalls are returned. Runs inside the caller's transaction, on rows it has locked; one call
    of each service's hook whatever the number of projects.
    """
    found = shortfalls_of(projects)
    if not found:
        return found
    if not normalize(reason):
        raise _refusal(found)
    for shortfall in found:
        kept = BudgetShortfall.objects.create(
            project=shortfall.project,
            budget_yen=shortfall.budget_yen,
            committed_yen=shortfall.committed_yen,
            commitments="\n".join(c.label for c in shortfall.commitments if c.committed_yen),
            reason=reason.strip(),
            stated_by=actor_user(actor),
        )
        record(
            actor=actor,
            action="ledger.budget_below_commitments",
            obj=shortfall.project,
            before=None,
            after={
                "budget_yen": kept.budget_yen,
                "committed_yen": kept.committed_yen,
                "commitments": kept.commitments.splitlines(),
                "reason": kept.reason,
            },
        )
    return found


def state_overdraw(project: Project, *, actor, left: MoneyLeft, adding_yen: int, service: str, reason: str):
    """A service decides `adding_yen` beyond what `project` has left (`money_left`), and says why.

    The reason is kept (`BudgetShortfall`: the budget, and what is settled and committed after the
    decision) and audited, and `machi ledger check` lists the project while it stays overdrawn. Runs
    inside the service's transaction, on the project row it has locked; the service refuses a decision
    with no reason before calling this.
    """
    reason = reason.strip()
    if not normalize(reason):
        raise Refused(_("予算の残りを超えて決定する理由を入力してください"))
    committed = left.settled_yen + left.unsettled_yen + adding_yen
    what = _("%(service)s：予算の残り %(left)s円に %(adding)s円を決定（%(breakdown)s）") % {
        "service": service,
        "left": "―" if left.left_yen is None else f"{left.left_yen:,}",
        "adding": f"{adding_yen:,}",
        "breakdown": left.breakdown(),
    }
    kept = BudgetShortfall.objects.create(
        project=project,
        budget_yen=left.budget_yen,
        committed_yen=committed,
        commitments=what,
        reason=reason,
        stated_by=actor_user(actor),
    )
    record(
        actor=actor,
        action="ledger.decided_beyond_money_left",
        obj=project,
        before=None,
        after={
            "budget_yen": left.budget_yen,
            "settled_yen": left.settled_yen,
            "unsettled_yen": left.unsettled_yen,
            "adding_yen": adding_yen,
            "service": service,
            "reason": reason,
        },
    )
    return kept


def preview_commitments(project: Project, figures: dict[str, int | None], *, reason: str = "") -> None:
    """What `hold_commitments` would say of these new figures, writing nothing: for a form to show
    the refusal beside its fields. Raises `BelowCommitments`; the action checks again when it saves."""
    changed = Project(pk=project.pk, name=project.name)
    for field_name in ("initial_yen", "revised_yen"):
        setattr(changed, field_name, figures.get(field_name, getattr(project, field_name)))
    if project.pk is None or budget_of(changed) == budget_of(project) or normalize(reason):
        return
    found = shortfalls_of([changed])
    if found:
        raise _refusal(found)


def _refusal(found: list[Shortfall]) -> BelowCommitments:
    return BelowCommitments(
        _("%(shortfalls)s。予算を決定済みの額より少なくするには、その理由を入力してください")
        % {"shortfalls": "。".join(s.message for s in found)},
        shortfalls=found,
    )


def keep_services_in_place(projects: Iterable[Project], *, programme: Programme) -> None:
    """Refuse to put projects in `programme` if a service's record on one belongs to another ward or year.

    A grant programme belongs to its fiscal year: its applications, decisions and payments are that
    year's. One call of each service's hook whatever the number of projects.
    """
    projects = list(projects)
    by_id = {p.pk: p for p in projects}
    for project_id, held in commitments_of(projects).items():
        for commitment in held:
            if commitment.fiscal_year != programme.fiscal_year or commitment.ward_id != programme.ward_id:
                raise ServiceInAnotherYear(
                    _(
                        "事業「%(project)s」は%(service)s（%(year)s）の予算です。"
                        "制度はその年度・区のものなので、事業を%(target)sに移すことはできません"
                    )
                    % {
                        "project": by_id[project_id].name,
                        "service": commitment.service,
                        "year": wareki(commitment.fiscal_year),
                        "target": programme,
                    }
                )
