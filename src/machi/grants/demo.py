"""The FY2022 community grants of Kumamoto's wards, for `machi demo`, linked to their ledger projects.

Only 西区's two tracks come from the source (西区 No.2: 身近な課題解決対応 1/3 上限200千円,
モデル事業 2/3 上限400千円). The source gives no rate or cap for the other wards: each gets
one track whose name says its terms are the demo's own. 北区 has no community-grant
project in the FY2022 ledger (its 自主自立のまちづくり推進プロジェクト supports groups but
is not a grant), so it gets no programme.

Matched by project, track and category name, so a second run changes nothing.

The current fiscal year (`load_current_year`): the same programmes, tracks and categories, linked to the
projects the ledger's demo carried forward to that year (`ledger.demo`), with applications open from the
start of the fiscal year to the end of next month (never past the year's end), so a round is open on a
fresh install. A run on a later date moves the closing date forward; the programmes stay one per project.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from machi.core.fiscal import fiscal_year_of, wareki
from machi.core.text import name_key
from machi.grants import actions
from machi.grants.models import ExpenseCategory, GrantProgramme, GrantTrack
from machi.grants.rules import Rounding

FISCAL_YEAR = 2022
DEMO_TRACK = "一般（補助率・上限はデモ用の設定）"


@dataclass(frozen=True)
class DemoTrack:
    name: str
    numerator: int
    denominator: int
    cap_yen: int


@dataclass(frozen=True)
class DemoProgramme:
    ward: str
    project_no: int | None  # or found by name where the ledger's No. is not certain
    project_name: str
    tracks: tuple[DemoTrack, ...]


PROGRAMMES = (
    DemoProgramme("中央区", 14, "地域コミュニティづくり支援補助金", (DemoTrack(DEMO_TRACK, 1, 2, 300_000),)),
    DemoProgramme("東区", 2, "東区地域コミュニティづくり支援補助金", (DemoTrack(DEMO_TRACK, 1, 2, 300_000),)),
    DemoProgramme(
        "西区",
        2,
        "西区地域コミュニティづくり支援事業",
        (DemoTrack("身近な課題解決対応", 1, 3, 200_000), DemoTrack("モデル事業", 2, 3, 400_000)),
    ),
    DemoProgramme("南区", None, "地域コミュニティづくり支援事業", (DemoTrack(DEMO_TRACK, 1, 2, 300_000),)),
)

# 費目, and whether the grant pays towards it (飲食費 and 備品購入費 are the usual exclusions).
CATEGORIES = (
    ("謝礼金", True),
    ("消耗品費", True),
    ("印刷製本費", True),
    ("会場使用料", True),
    ("通信運搬費", True),
    ("保険料", True),
    ("飲食費", False),
    ("備品購入費", False),
)
PROGRAMME_NAME = "地域コミュニティづくり支援補助金"
DESCRIPTION = (
    "地域団体等が行う地域課題の解決や地域コミュニティの活性化に向けた取組に対して、経費の一部を補助する。"
)


def window(fiscal_year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The demo's application window: April 1st to January 31st of the fiscal year, in Japan time."""
    tz = timezone.get_default_timezone()
    opens = datetime.datetime(fiscal_year, 4, 1, tzinfo=tz)
    return opens, datetime.datetime(fiscal_year + 1, 2, 1, tzinfo=tz)


def current_window(today: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """From the start of today's fiscal year to the end of next month (or of the fiscal year, if sooner)."""
    tz = timezone.get_default_timezone()
    year = fiscal_year_of(today)
    opens = datetime.datetime(year, 4, 1, tzinfo=tz)
    after_next = today.month + 2
    closes = datetime.datetime(today.year + (after_next - 1) // 12, (after_next - 1) % 12 + 1, 1, tzinfo=tz)
    return opens, min(closes, datetime.datetime(year + 1, 4, 1, tzinfo=tz))


@dataclass
class DemoReport:
    title: str = "補助金の制度"
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    tracks: int = 0
    categories: int = 0

    def summary(self) -> str:
        return (
            f"{self.title}: 新規 {len(self.created)} 件、更新 {len(self.updated)} 件、変更なし {self.unchanged} 件"
            f"（区分 {self.tracks} 件、費目 {self.categories} 件を新規登録）"
        )

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated)


def load(*, actor) -> DemoReport:
    """Create or bring back to the demo's terms the FY2022 programmes; all or nothing."""
    opens, closes = window(FISCAL_YEAR)
    return _load_year(actor=actor, fiscal_year=FISCAL_YEAR, opens=opens, closes=closes, report=DemoReport())


def load_current_year(*, actor, today: datetime.date | None = None) -> DemoReport:
    """The same programmes in the current fiscal year, open for applications now; all or nothing.

    Nothing where the ledger has no demo programme of that year (the year is FY2022 or earlier).
    """
    from machi.ledger.models import Programme

    today = today or timezone.localdate()
    year = fiscal_year_of(today)
    report = DemoReport(title=f"補助金の制度（{wareki(year)}・デモ）")
    if year <= FISCAL_YEAR or not Programme.objects.filter(fiscal_year=year, is_demo=True).exists():
        return report
    opens, closes = current_window(today)
    return _load_year(
        actor=actor, fiscal_year=year, opens=opens, closes=closes, report=report, demo_only=True
    )


def _load_year(
    *, actor, fiscal_year: int, opens, closes, report: DemoReport, demo_only: bool = False
) -> DemoReport:
    """`demo_only`: only wards whose programme of the year is the ledger's demo (a real one is left alone)."""
    from machi.ledger.models import Project

    with transaction.atomic():
        for demo in PROGRAMMES:
            projects = Project.objects.select_related("programme__ward").filter(
                programme__fiscal_year=fiscal_year, programme__ward__name=demo.ward
            )
            if demo_only:
                projects = projects.filter(programme__is_demo=True)
                if not projects.exists():
                    continue
            if demo.project_no is not None:
                project = projects.get(no=demo.project_no)
            else:
                project = projects.get(name_key=name_key(demo.project_name))
            if project.name_key != name_key(demo.project_name):
                raise ValueError(
                    f"{demo.ward} No.{project.no} は「{project.name}」です（{demo.project_name}）"
                )
            programme = GrantProgramme.objects.filter(project=project).first()
            created = programme is None
            programme = programme or GrantProgramme(project=project)
            wanted = {
                "ward": project.programme.ward,
                "fiscal_year": fiscal_year,
                "name": PROGRAMME_NAME,
                "description": DESCRIPTION,
                "opens_at": opens,
                "closes_at": closes,
            }
            changed = created or any(getattr(programme, k) != v for k, v in wanted.items())
            for key, value in wanted.items():
                setattr(programme, key, value)
            if changed:
                actions.save_programme(actor=actor, programme=programme)
            for position, track in enumerate(demo.tracks, start=1):
                changed |= _ensure_track(actor, programme, track, position, report)
            for position, (name, eligible) in enumerate(CATEGORIES, start=1):
                changed |= _ensure_category(actor, programme, name, eligible, position, report)
            label = f"{demo.ward} No.{project.no} {project.name}"
            if created:
                report.created.append(label)
            elif changed:
                report.updated.append(label)
            else:
                report.unchanged += 1
    return report


def _ensure_track(actor, programme, demo: DemoTrack, position: int, report: DemoReport) -> bool:
    track = GrantTrack.objects.filter(programme=programme, name=demo.name).first()
    wanted = {
        "rate_numerator": demo.numerator,
        "rate_denominator": demo.denominator,
        "cap_yen": demo.cap_yen,
        "rounding": Rounding.FLOOR_1000,
        "position": position,
    }
    if track is not None and all(getattr(track, k) == v for k, v in wanted.items()):
        return False
    if track is None:
        report.tracks += 1
    track = track or GrantTrack(programme=programme, name=demo.name)
    for key, value in wanted.items():
        setattr(track, key, value)
    actions.save_track(actor=actor, track=track)
    return True


def _ensure_category(actor, programme, name: str, eligible: bool, position: int, report: DemoReport) -> bool:
    category = ExpenseCategory.objects.filter(programme=programme, name=name).first()
    if category is not None and (category.eligible, category.position) == (eligible, position):
        return False
    if category is None:
        report.categories += 1
    category = category or ExpenseCategory(programme=programme, name=name)
    category.eligible, category.position = eligible, position
    actions.save_category(actor=actor, category=category)
    return True
