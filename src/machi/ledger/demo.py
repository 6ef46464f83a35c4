"""`machi demo`'s ledger: the Kumamoto FY2022 record as the seed prints it, and a demo programme for the
current fiscal year beside it, so that every service can be tried on a fresh install.

The current year's programmes are carried forward from FY2022 by the same action staff use
(`actions.carry_forward`): the same pillars and projects (継続), with the FY2022 2月補正後 as their 当初予算.
They are marked `is_demo`, and every page, export and open-data file of that year says デモ用のデータです,
so no one takes them for a real budget. FY2022 is only read, never written.

Safe to run again: a ward whose current-year programme already has projects is left as it is (a second run
the same day changes nothing); a run in a later fiscal year carries a programme to that year too.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from machi.core.fiscal import fiscal_year_of, wareki
from machi.ledger import actions
from machi.ledger.models import Programme

SOURCE_YEAR = 2022
REASON = "デモ: 令和4年度の2月補正後を当初予算として計上"
PUBLIC_REASON = "デモ用の値"


@dataclass
class CurrentYearReport:
    fiscal_year: int
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(self.created)

    def summary(self) -> str:
        return (
            f"{wareki(self.fiscal_year)}のデモの年度計画（{wareki(SOURCE_YEAR)}から引継ぎ）: "
            f"新規 {len(self.created)} 区、変更なし {len(self.unchanged)} 区"
        )


def current_fiscal_year(today=None) -> int:
    return fiscal_year_of(today or timezone.localdate())


def load_current_year(*, actor, today=None) -> CurrentYearReport:
    """Each ward's FY2022 programme carried to the current fiscal year as a demo; all or nothing."""
    year = current_fiscal_year(today)
    report = CurrentYearReport(fiscal_year=year)
    if year <= SOURCE_YEAR:
        return report
    sources = Programme.objects.for_year(SOURCE_YEAR).select_related("ward").order_by("ward__code")
    taken = set(
        Programme.objects.for_year(year).filter(projects__isnull=False).values_list("ward_id", flat=True)
    )
    with transaction.atomic():
        for source in sources:
            if source.ward_id in taken:
                report.unchanged.append(source.ward.name)
                continue
            amounts = dict(source.projects.exclude(no=None).values_list("no", "revised_yen"))
            actions.carry_forward(
                actor=actor,
                programme=source,
                to_year=year,
                initial_yen_by_project=amounts,
                reason=REASON,
                public_reason=PUBLIC_REASON,
                is_demo=True,
            )
            report.created.append(source.ward.name)
    return report
