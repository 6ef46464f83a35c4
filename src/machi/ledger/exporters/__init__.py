"""Writing the ledger out: the canonical CSV and ward-office XLSX sheets.

Both re-import through `machi.ledger.importers` to exactly the same ledger.
"""

from django.db.models import Q

from machi.core.importing import needs_escape  # noqa: F401  (the exporters share it from here)
from machi.ledger.queries import PillarGroup, Totals, programme_sheet


def programmes(fiscal_year: int, ward: str | None = None):
    """The year's programmes in ward-code order; `ward` is a ward's name or code."""
    from machi.ledger.models import Programme

    chosen = Programme.objects.for_year(fiscal_year).select_related("ward").order_by("ward__code")
    if ward:
        chosen = chosen.filter(Q(ward__name=ward) | Q(ward__code=ward))
    return chosen


def sheet_groups(programme) -> tuple[list[PillarGroup], Totals]:
    """programme_sheet's groups, projects without a pillar first whatever the database's NULL order.

    Ward-office sheets put a project under the pillar heading above it, so the
    projects that belong to no pillar must come before the first heading.
    """
    groups, totals = programme_sheet(programme)
    groups.sort(key=lambda g: (g.pillar is not None, g.pillar.position if g.pillar is not None else 0))
    return groups, totals
