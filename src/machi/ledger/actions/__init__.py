"""Every write to the ledger. Views, the API and the CLI call these; nothing else writes.

Each action is atomic. Figures change only through `set_figures`, which appends
the change to the project's history in the same transaction.

One module per job, re-exported here so callers write `from machi.ledger.actions import set_figures`
or `actions.set_figures(...)`:

- `figures`: a project's money and its history;
- `carry_forward`: a ward's programme carried to a later year, its 当初予算 given or left ―;
- `commitments`: the rule that keeps a project's budget and place in step with what services hold on it;
- `imports`: the ledger read from files, all or nothing, planned without the write lock;
- `records`: wards, programmes, pillars, projects and their themes, one record at a time;
- `outcomes`: the outcomes a service posts to a project.
"""

from machi.ledger.actions.carry_forward import (
    CarriedProject,
    CarryForwardRefused,
    CarryForwardResult,
    TargetYearTaken,
    carry_forward,
    preview_carry_forward,
)
from machi.ledger.actions.commitments import (
    BelowCommitments,
    ServiceInAnotherYear,
    hold_commitments,
    keep_services_in_place,
    preview_commitments,
    state_overdraw,
)
from machi.ledger.actions.figures import (
    ATTRIBUTE_LABELS,
    FIGURE_LABELS,
    FigureRefused,
    add_to_settled,
    post_spending,
    project_snapshot,
    set_figures,
)
from machi.ledger.actions.imports import ImportReport, LedgerChangedDuringImport, import_ledger
from machi.ledger.actions.outcomes import OutcomeFigure, OutcomePosting, post_outcomes
from machi.ledger.actions.records import (
    PILLAR_FIELDS,
    PROGRAMME_FIELDS,
    PROJECT_FIELDS,
    WARD_FIELDS,
    delete_pillar,
    save_pillar,
    save_programme,
    save_programme_profile,
    save_project,
    save_ward,
    tag_project,
)

__all__ = [
    "ATTRIBUTE_LABELS",
    "FIGURE_LABELS",
    "PILLAR_FIELDS",
    "PROGRAMME_FIELDS",
    "PROJECT_FIELDS",
    "WARD_FIELDS",
    "BelowCommitments",
    "CarriedProject",
    "CarryForwardRefused",
    "CarryForwardResult",
    "FigureRefused",
    "ImportReport",
    "LedgerChangedDuringImport",
    "OutcomeFigure",
    "OutcomePosting",
    "ServiceInAnotherYear",
    "TargetYearTaken",
    "add_to_settled",
    "carry_forward",
    "delete_pillar",
    "hold_commitments",
    "import_ledger",
    "keep_services_in_place",
    "post_outcomes",
    "post_spending",
    "preview_carry_forward",
    "preview_commitments",
    "project_snapshot",
    "save_pillar",
    "save_programme",
    "save_programme_profile",
    "save_project",
    "save_ward",
    "set_figures",
    "state_overdraw",
    "tag_project",
]
