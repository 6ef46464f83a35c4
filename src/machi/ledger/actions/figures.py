"""A project's money: figures change only through `set_figures`, which appends each change to the
project's history (`FigureChange`) in the same transaction."""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from machi.accounts.actors import actor_user
from machi.accounts.scope import require_ward
from machi.audit.actions import record
from machi.core.errors import Refused
from machi.core.text import normalize
from machi.ledger.actions.commitments import hold_commitments, state_overdraw
from machi.ledger.models import FigureChange, Project, Stage
from machi.ledger.queries import budget_of, money_left

FIGURE_LABELS = {"initial_yen": "当初予算", "revised_yen": "2月補正後", "settled_yen": "決算額"}
ATTRIBUTE_LABELS = {
    "no": "No.",
    "name": "事業名",
    "description": "事業内容",
    "status": "区分",
    "pillar_id": "柱",
}


class FigureRefused(Refused, ValueError):
    """A change of figures refused for its input (400); a ValueError too, as callers have always caught it."""

    default_code = "ledger.figures_refused"


def set_figures(
    project: Project,
    *,
    actor,
    reason: str,
    public_reason: str = "",
    below_commitments_reason: str = "",
    **figures: int | None,
) -> list[FigureChange]:
    """Change any of initial_yen, revised_yen, settled_yen; each real change is kept in the history.

    `reason` is kept for staff. `public_reason` is what the public is told instead: a service's
    kind and number (補助金の支払い（申請番号 …）), composed by the service, never text a person
    typed; left empty (a change typed by staff), the public sees the stage's generic label.

    Only staff of the project's ward (or a city administrator, or the system
    operator) may. A figure given with its current value is no change and leaves no entry.
    A budget (2月補正後, else 当初) changed to below what services have committed against the
    project is refused, unless `below_commitments_reason` says why (`hold_commitments`).
    """
    unknown = set(figures) - set(FIGURE_LABELS)
    if unknown:
        raise ValueError(f"unknown figures: {sorted(unknown)}")
    if not normalize(reason):
        raise FigureRefused(_("変更の理由を入力してください"))
    for value in figures.values():
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise FigureRefused(_("金額は0以上の整数（円）です"))
    with transaction.atomic():
        # The project's row only: locking its programme and ward too would queue behind (and deadlock
        # with) any write that names the ward, such as an audit entry of a grant decision.
        locked = (
            Project.objects.select_for_update(of=("self",))
            .select_related("programme__ward")
            .get(pk=project.pk)
        )
        require_ward(actor, locked.programme.ward, pgettext("scope", "事業の金額"))
        before = project_snapshot(locked)
        budget_before = budget_of(locked)
        changes = write_figures(
            locked, reason=reason, public_reason=public_reason, actor=actor, figures=figures
        )
        if budget_of(locked) != budget_before:
            hold_commitments([locked], actor=actor, reason=below_commitments_reason)
        if changes:
            record(
                actor=actor,
                action="ledger.set_figures",
                obj=locked,
                before=before,
                after=project_snapshot(locked),
            )
    for field_name in figures:
        setattr(project, field_name, getattr(locked, field_name))
    return changes


def add_to_settled(
    project: Project, *, actor, delta_yen: int, reason: str, public_reason: str
) -> FigureChange:
    """A service's payment (or its reversal) moves the project's 決算額 by `delta_yen`: one change, kept.

    The service composes `public_reason` from its kind and number, never from what a person typed;
    `reason` is for staff. The project's row is locked before the sum is taken, so two services posting
    at once add up. A reversal that would take 決算額 below 0 is refused (400).
    """
    with transaction.atomic():
        locked = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
        settled = (locked.settled_yen or 0) + delta_yen
        if settled < 0:
            raise FigureRefused(
                _("事業「%(project)s」の決算額（%(settled)s円）から%(delta)s円は差し引けません")
                % {
                    "project": locked.name,
                    "settled": f"{locked.settled_yen or 0:,}",
                    "delta": f"{-delta_yen:,}",
                }
            )
        (change,) = set_figures(
            locked, actor=actor, reason=reason, public_reason=public_reason[:200], settled_yen=settled
        )
    project.settled_yen = locked.settled_yen
    return change


def post_spending(
    project: Project,
    *,
    actor,
    delta_yen: int,
    reason: str,
    public_reason: str,
    overdraw_reason: str = "",
    refusal: type[Refused] = FigureRefused,
    code: str = "ledger.spending",
) -> FigureChange:
    """A service spends from `project` (`delta_yen` > 0) or takes a payment back (< 0): the one way
    every service (events' expenses, requests' expenditures) posts money to a project's 決算額.

    On the project's row, locked first (as `set_figures` and a grant's decision lock it: whichever
    comes second sees the other's money): a payment needs a budget (else `refusal`, code
    `<code>_no_budget`), and one beyond the project's money left (`money_left`) is refused
    (`<code>_over_budget`, with the breakdown) unless `overdraw_reason` says why; the reason is then
    kept (`state_overdraw`) and `machi ledger check` lists the project while it stays overdrawn.
    The move itself is `add_to_settled`: one change in the history, `public_reason` for the public.
    Runs in the caller's transaction where there is one.
    """
    with transaction.atomic():
        locked = (
            Project.objects.select_for_update(of=("self",))
            .select_related("programme__ward")
            .get(pk=project.pk)
        )
        if delta_yen > 0:
            left = money_left(locked)
            if left.left_yen is None:
                raise refusal(
                    _("事業「%(project)s」に予算が計上されていないため、支出を記録できません")
                    % {"project": locked.name},
                    code=f"{code}_no_budget",
                )
            if delta_yen > left.left_yen:
                if not normalize(overdraw_reason or ""):
                    raise refusal(
                        _(
                            "事業「%(project)s」の予算の残りは%(left)s円です（%(breakdown)s）。"
                            "%(amount)s円の支出を記録するには、予算を超える理由を入力してください"
                        )
                        % {
                            "project": locked.name,
                            "left": f"{left.left_yen:,}",
                            "breakdown": left.breakdown(),
                            "amount": f"{delta_yen:,}",
                        },
                        code=f"{code}_over_budget",
                    )
                state_overdraw(
                    locked,
                    actor=actor,
                    left=left,
                    adding_yen=delta_yen,
                    service=public_reason,
                    reason=overdraw_reason,
                )
        change = add_to_settled(
            locked, actor=actor, delta_yen=delta_yen, reason=reason, public_reason=public_reason
        )
    project.settled_yen = locked.settled_yen
    return change


def write_figures(
    project: Project, *, reason: str, actor, figures: dict, public_reason: str = ""
) -> list[FigureChange]:
    """Apply figures to a project whose row this transaction has locked; append the history."""
    changes = [
        FigureChange(
            project=project,
            stage=Stage(field_name.removesuffix("_yen")),
            old_yen=getattr(project, field_name),
            new_yen=new,
            changed_by=actor_user(actor),
            reason=reason,
            public_reason=public_reason,
        )
        for field_name, new in figures.items()
        if getattr(project, field_name) != new
    ]
    if changes:
        for change in changes:
            setattr(project, change.stage + "_yen", change.new_yen)
        project.save(update_fields=[change.stage + "_yen" for change in changes])
        FigureChange.objects.bulk_create(changes)
    return changes


def project_snapshot(project: Project) -> dict:
    """What the audit log keeps of a project: its identity, attributes and figures."""
    return {
        "no": project.no,
        "name": project.name,
        "status": project.status,
        "pillar_id": project.pillar_id,
        "description": project.description,
        **{f: getattr(project, f) for f in FIGURE_LABELS},
    }
