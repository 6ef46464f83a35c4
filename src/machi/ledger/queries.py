"""The ledger's business questions, as QuerySet methods and small functions."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from machi.accounts.public import public_actor_label
from machi.core.display import join_clauses
from machi.core.models import AppendOnlyQuerySet
from machi.core.money import execution_rate, unused_amount
from machi.core.text import normalize

MONEY_FIELDS = ("initial_yen", "revised_yen", "settled_yen")


class WardQuerySet(models.QuerySet):
    def named(self, text: str):
        """The ward people mean by a name or a 6-digit code, as typed (full-width digits too), or None."""
        key = normalize(text)
        return self.filter(Q(name=key) | Q(code=key)).first()


class ProgrammeQuerySet(models.QuerySet):
    def for_year(self, fiscal_year: int):
        return self.filter(fiscal_year=fiscal_year)

    def for_ward(self, ward):
        return self.filter(ward__name=ward) if isinstance(ward, str) else self.filter(ward=ward)

    def with_totals(self):
        """Each programme with its three stage totals (― counts as nothing) and project count."""
        return self.select_related("ward").annotate(
            project_count=Count("projects", distinct=True),
            **{f"total_{f}": Sum(f"projects__{f}") for f in MONEY_FIELDS},
        )

    def fiscal_years(self) -> list[int]:
        return list(self.order_by("-fiscal_year").values_list("fiscal_year", flat=True).distinct())


class ProjectQuerySet(models.QuerySet):
    def for_year(self, fiscal_year: int):
        return self.filter(programme__fiscal_year=fiscal_year)

    def for_ward(self, ward):
        if isinstance(ward, str):
            return self.filter(Q(programme__ward__name=ward) | Q(programme__ward__code=ward))
        return self.filter(programme__ward=ward)

    def for_listing(self):
        """What a list page or the API shows, in a fixed number of queries."""
        return (
            self.select_related("programme__ward", "pillar")
            .prefetch_related("themes")
            .order_by("programme__ward__code", "programme__fiscal_year", "position", "no", "id")
        )

    def with_stated_reason(self):
        """Each project with `stated_reason`: the latest reason staff stated for a budget below its
        commitments or a decision beyond its money left (`BudgetShortfall`), None where none was. In the
        same query, so the data checks on projects read this way take no query more."""
        shortfalls = apps.get_model("ledger", "BudgetShortfall").objects.filter(project=OuterRef("pk"))
        return self.annotate(
            stated_reason=Subquery(shortfalls.order_by("-stated_at", "-id").values("reason")[:1])
        )

    def settled_above_revised(self):
        return self.filter(settled_yen__gt=models.F("revised_yen"))

    def settled_without_revised(self):
        return self.filter(settled_yen__isnull=False, revised_yen__isnull=True)

    def totals(self) -> "Totals":
        sums = self.aggregate(**{f: Sum(f) for f in MONEY_FIELDS})
        return Totals(sums["initial_yen"], sums["revised_yen"], sums["settled_yen"])


class FigureChangeQuerySet(AppendOnlyQuerySet):
    def for_project(self, project):
        return self.filter(project=project).select_related("changed_by").order_by("changed_at", "id")


@dataclass(frozen=True)
class PublicChange:
    """One change of a figure as the public sees it: the office that made it and a label, no person."""

    stage: str
    stage_label: str
    old_yen: int | None
    new_yen: int | None
    changed_at: datetime.datetime
    changed_by: str
    reason: str

    @property
    def change_yen(self) -> int | None:
        """How far the change moved the figure, in yen, counting ― as nothing: negative where it went
        down (a refund, a reversal, a revision down), shown △. None only from ― to ―."""
        if self.new_yen is None and self.old_yen is None:
            return None
        return (self.new_yen or 0) - (self.old_yen or 0)


def public_history(project) -> list[PublicChange]:
    """The project's figure history for public pages and the public API (a fixed number of queries).

    Who: `public_actor_label` (an office or role). Why: the label a service gave (補助金の支払い
    （申請番号 …）, 取込); for a change typed by staff, whose free-text reason may name anyone, a
    generic label: entering the initial budget is 当初予算の計上, the revised budget 2月補正, the
    settled figure 決算, and changing an initial or revised figure that already had a value 訂正.
    """
    ward = project.programme.ward
    changes = (
        apps.get_model("ledger", "FigureChange")
        .objects.for_project(project)
        .prefetch_related("changed_by__role_grants")
    )
    return [
        PublicChange(
            stage=change.stage,
            stage_label=change.get_stage_display(),
            old_yen=change.old_yen,
            new_yen=change.new_yen,
            changed_at=change.changed_at,
            changed_by=public_actor_label(change.changed_by, ward),
            reason=change.public_reason or _generic_reason(change),
        )
        for change in changes
    ]


def _generic_reason(change) -> str:
    if change.stage == "settled":
        return pgettext("public reason", "決算")
    if change.old_yen is not None:
        return _("訂正")
    return _("当初予算の計上") if change.stage == "initial" else _("2月補正")


@dataclass(frozen=True)
class Totals:
    """Stage totals; None only when no project in the group has that figure."""

    initial_yen: int | None
    revised_yen: int | None
    settled_yen: int | None

    @property
    def execution_rate(self):
        return execution_rate(self.settled_yen, self.revised_yen)

    @property
    def unused_yen(self):
        return unused_amount(self.settled_yen, self.revised_yen)

    @classmethod
    def of(cls, items) -> "Totals":
        """Totals of projects (or of other Totals) already in memory: each stage summed where present."""
        items = list(items)
        return cls(*(sum_or_none(getattr(item, f) for item in items) for f in MONEY_FIELDS))


def sum_or_none(values) -> int | None:
    """A sum that treats ― (None) as nothing, and is None only when every value is."""
    present = [v for v in values if v is not None]
    return sum(present) if present else None


@dataclass
class PillarGroup:
    pillar: object
    projects: list = field(default_factory=list)

    @property
    def totals(self) -> Totals:
        return Totals.of(self.projects)


def programme_sheet(programme) -> tuple[list[PillarGroup], Totals]:
    """A ward-year as its report shows it: pillars in order with their projects, and the total.

    Two queries whatever the number of projects.
    """
    from machi.ledger.models import Project

    projects = list(
        Project.objects.filter(programme=programme)
        .with_stated_reason()
        .select_related("pillar")
        .prefetch_related("themes")
        .order_by("pillar__position", "position", "no", "id")
    )
    groups: dict[int | None, PillarGroup] = {}
    for project in projects:
        key = project.pillar_id
        if key not in groups:
            groups[key] = PillarGroup(project.pillar)
        groups[key].projects.append(project)
    return list(groups.values()), Totals.of(projects)


def pillar_sheet(programme) -> tuple[list[PillarGroup], Totals]:
    """programme_sheet with every pillar in its order, an empty one included, projects without a pillar
    last (databases disagree on where NULL sorts; pages and reports should not). Three queries."""
    from machi.ledger.models import Pillar

    groups, totals = programme_sheet(programme)
    by_pillar = {group.pillar.pk if group.pillar else None: group for group in groups}
    ordered = [
        by_pillar.get(pillar.pk) or PillarGroup(pillar)
        for pillar in Pillar.objects.filter(programme=programme).order_by("position")
    ]
    if None in by_pillar:
        ordered.append(by_pillar[None])
    return ordered, totals


@dataclass
class WardYear:
    """One ward's programme in one year, with its stage totals."""

    programme: object
    totals: Totals
    project_count: int

    @property
    def ward(self):
        return self.programme.ward

    @property
    def fiscal_year(self) -> int:
        return self.programme.fiscal_year

    @property
    def allocation_yen(self) -> int | None:
        return self.programme.allocation_yen

    @property
    def is_demo(self) -> bool:
        return self.programme.is_demo


@dataclass
class CityYear:
    """One fiscal year of the city: its wards side by side, and the city's totals."""

    fiscal_year: int
    rows: list[WardYear] = field(default_factory=list)

    @property
    def city_name(self) -> str:
        return next((row.ward.city_name for row in self.rows if row.ward.city_name), "")

    @property
    def totals(self) -> Totals:
        return Totals.of(row.totals for row in self.rows)

    @property
    def allocation_yen(self) -> int | None:
        return sum_or_none(row.allocation_yen for row in self.rows)

    @property
    def project_count(self) -> int:
        return sum(row.project_count for row in self.rows)

    @property
    def is_demo(self) -> bool:
        """Made by `machi demo`, not a real budget: every page and file of the year says so."""
        return any(row.is_demo for row in self.rows)


def city_years(fiscal_year: int | None = None) -> list[CityYear]:
    """Every fiscal year (or one), newest first, each with its wards in code order. One query."""
    from machi.ledger.models import Programme

    programmes = Programme.objects.with_totals().order_by("-fiscal_year", "ward__code")
    if fiscal_year is not None:
        programmes = programmes.filter(fiscal_year=fiscal_year)
    years: dict[int, CityYear] = {}
    for p in programmes:
        totals = Totals(*(getattr(p, f"total_{f}") for f in MONEY_FIELDS))
        years.setdefault(p.fiscal_year, CityYear(p.fiscal_year)).rows.append(
            WardYear(p, totals, p.project_count)
        )
    return list(years.values())


# --- What the services have committed against projects ----------------------------------------


@dataclass(frozen=True)
class Commitment:
    """What one service holds against one ledger project, as the service tells the ledger.

    A service's AppConfig answers `budget_commitments(project_ids) -> list[Commitment]` with one
    Commitment per service record paid from one of those projects (a grant programme …), in a
    fixed number of queries. The ledger never imports a service: it asks through this hook.
    `fiscal_year` and `ward_id` are the year and ward the service's record belongs to, so the
    project must stay in them; `committed_yen` is the money decided against the project's
    budget (0 where nothing is decided yet), `what` says which money that is (交付決定済み).
    `settled_yen` is the part of `committed_yen` the service has already posted to the project's
    settled figure (a grant paid): `money_left` counts it there, not twice.
    """

    project_id: int
    service: str
    what: str
    committed_yen: int
    fiscal_year: int
    ward_id: int
    settled_yen: int = 0

    @property
    def unsettled_yen(self) -> int:
        """Decided and not yet in the project's 決算額 (decided or confirmed, not paid)."""
        return max(self.committed_yen - self.settled_yen, 0)

    @property
    def label(self) -> str:
        """「補助金「…」：交付決定済み 1,250,000円」"""
        return _("%(service)s：%(what)s %(yen)s円") % {
            "service": self.service,
            "what": self.what,
            "yen": f"{self.committed_yen:,}",
        }


def commitments_of(projects: Iterable) -> dict[int, list[Commitment]]:
    """Each project's commitments (by project id; a project no service uses is absent), from every
    app whose AppConfig has `budget_commitments`: one call, so a fixed number of queries, per app."""
    ids = sorted({p if isinstance(p, int) else p.pk for p in projects} - {None})
    found: dict[int, list[Commitment]] = {}
    if not ids:
        return found
    for config in apps.get_app_configs():
        hook = getattr(config, "budget_commitments", None)
        if hook is None:
            continue
        for commitment in hook(ids):
            found.setdefault(commitment.project_id, []).append(commitment)
    return found


def budget_of(project) -> int | None:
    """The budget services spend within: the 2月補正後 where set, else the 当初予算 (None: not budgeted)."""
    return project.revised_yen if project.revised_yen is not None else project.initial_yen


@dataclass(frozen=True)
class MoneyLeft:
    """What a project's budget still holds: the one figure every page, report and the API show as 残り.

    残り = budget (2月補正後, else 当初予算) − 決算額 (what is already spent, services' payments
    included, repayments taken off) − what services have decided and not yet paid. `left_yen` is
    None where the project has no budget at all (―); it is negative where the project is overdrawn.
    """

    project_id: int
    budget_yen: int | None
    settled_yen: int
    unsettled_yen: int

    @property
    def left_yen(self) -> int | None:
        if self.budget_yen is None:
            return None
        return self.budget_yen - self.settled_yen - self.unsettled_yen

    @property
    def overdrawn(self) -> bool:
        return self.left_yen is not None and self.left_yen < 0

    def breakdown(self) -> str:
        """「予算 1,282,000円 − 決算 1,228,000円 − 決定済みで未払い 0円 = 残り 54,000円」"""
        return _(
            "予算 %(budget)s円 − 決算 %(settled)s円 − 決定済みで未払い %(unsettled)s円 = 残り %(left)s円"
        ) % {
            "budget": "―" if self.budget_yen is None else f"{self.budget_yen:,}",
            "settled": f"{self.settled_yen:,}",
            "unsettled": f"{self.unsettled_yen:,}",
            "left": "―" if self.left_yen is None else f"{self.left_yen:,}",
        }


def money_left_of(
    projects: Iterable, commitments: dict[int, list[Commitment]] | None = None
) -> dict[int, MoneyLeft]:
    """Each project's `MoneyLeft`, by id, from the figures the projects hold in memory: one call of
    each service's hook whatever the number of projects (none if `commitments` is given)."""
    projects = [p for p in projects if p.pk is not None]
    if commitments is None:
        commitments = commitments_of(projects)
    return {
        project.pk: MoneyLeft(
            project_id=project.pk,
            budget_yen=budget_of(project),
            settled_yen=project.settled_yen or 0,
            unsettled_yen=sum(c.unsettled_yen for c in commitments.get(project.pk, ())),
        )
        for project in projects
    }


def money_left(project) -> MoneyLeft:
    """One project's `MoneyLeft` (see `money_left_of`), from the figures the instance holds."""
    return money_left_of([project])[project.pk]


def stored_money_left(project_ids: Iterable[int]) -> dict[int, MoneyLeft]:
    """`money_left_of` the projects as stored now (by id): one query more, for a caller whose instances
    may be older than a payment posted since (an export, a form's hint)."""
    from machi.ledger.models import Project

    return money_left_of(Project.objects.filter(pk__in=list(project_ids)))


@dataclass(frozen=True)
class Shortfall:
    """A project whose budget is below what services have committed against it."""

    project: object
    budget_yen: int | None
    commitments: tuple[Commitment, ...]

    @property
    def committed_yen(self) -> int:
        return sum(c.committed_yen for c in self.commitments)

    @property
    def message(self) -> str:
        return _(
            "事業「%(project)s」の予算 %(budget)s円が、決定済みの %(committed)s円（%(what)s）を下回ります"
        ) % {
            "project": self.project.name,
            "budget": "―" if self.budget_yen is None else f"{self.budget_yen:,}",
            "committed": f"{self.committed_yen:,}",
            "what": join_clauses(c.label for c in self.commitments if c.committed_yen),
        }


def shortfalls_of(
    projects: Iterable, commitments: dict[int, list[Commitment]] | None = None
) -> list[Shortfall]:
    """The projects (with the figures they hold in memory) whose budget is below their commitments.

    A budget of ― holds nothing. One call of each service's hook, unless `commitments` is given.
    """
    projects = list(projects)
    if commitments is None:
        commitments = commitments_of(projects)
    found = []
    for project in projects:
        held = tuple(commitments.get(project.pk, ()))
        committed = sum(c.committed_yen for c in held)
        budget = budget_of(project)
        if committed > (budget or 0):
            found.append(Shortfall(project, budget, held))
    return found


@dataclass(frozen=True)
class CheckFinding:
    ward: str
    kind: str
    message: str


def ledger_check(fiscal_year: int, *, with_reasons: bool = False) -> dict[str, list[CheckFinding]]:
    """The data checks per ward, for `machi ledger check` and the report pages (see `programme_check`;
    `with_reasons` for staff only).

    Three queries, and one per service that holds money on projects, whatever the number of wards and
    projects.
    """
    from machi.ledger.models import Programme, Project

    chosen = list(Programme.objects.for_year(fiscal_year).select_related("ward").order_by("ward__code"))
    projects: dict[int, list] = {programme.pk: [] for programme in chosen}
    everything = list(
        Project.objects.filter(programme__in=chosen).with_stated_reason().order_by("position", "no", "id")
    )
    for project in everything:
        projects[project.programme_id].append(project)
    commitments = commitments_of(everything)
    short = stated_shortfalls(everything, commitments)
    overdrawn = stated_overdraws(everything, commitments, besides=short)
    return {
        programme.ward.name: programme_check(
            programme,
            projects[programme.pk],
            shortfalls=short,
            overdrawn=overdrawn,
            with_reasons=with_reasons,
        )
        for programme in chosen
    }


def stated_shortfalls(projects, commitments=None) -> dict[int, tuple[Shortfall, str | None]]:
    """The projects whose budget is below what services have committed, each with the latest reason
    stated for it (None: none stated). One query, and one per service that holds money on projects."""
    found = shortfalls_of(projects, commitments)
    if not found:
        return {}
    reasons = _stated_reasons([s.project for s in found])
    return {s.project.pk: (s, reasons.get(s.project.pk)) for s in found}


def stated_overdraws(projects, commitments=None, *, besides=()) -> dict[int, tuple[MoneyLeft, str | None]]:
    """The projects a service spends from whose money left (`money_left`) is below zero, each with the
    latest reason stated for it (a decision taken beyond what was left says why; None: none stated).
    Projects in `besides` (already listed as below their commitments) are left out.

    A service spends from a project where it holds commitments on it (a grant's decisions), or where
    it has stated a reason for going beyond its money left (`state_overdraw`: an event's expense, a
    request's expenditure, posted straight to 決算額 with no commitment): both are looked at. One
    query where some project is overdrawn (none where the projects were read `with_stated_reason`),
    and one per service that holds money on projects."""
    projects = list(projects)
    if commitments is None:
        commitments = commitments_of(projects)
    lefts = money_left_of(projects, commitments)
    candidates = [pk for pk, left in lefts.items() if left.overdrawn and pk not in besides]
    if not candidates:
        return {}
    by_id = {p.pk: p for p in projects}
    reasons = _stated_reasons([by_id[pk] for pk in candidates])
    return {pk: (lefts[pk], reasons.get(pk)) for pk in candidates if pk in commitments or pk in reasons}


def _stated_reasons(projects) -> dict[int, str]:
    """The latest reason stated for each project: read with them (`with_stated_reason`), else one query."""
    if all(hasattr(p, "stated_reason") for p in projects):
        return {p.pk: p.stated_reason for p in projects if p.stated_reason}
    return _latest_reasons([p.pk for p in projects])


def _latest_reasons(project_ids) -> dict[int, str]:
    from machi.ledger.models import BudgetShortfall

    reasons: dict[int, str] = {}
    for project_id, reason in (
        BudgetShortfall.objects.filter(project__in=project_ids)
        .order_by("stated_at", "id")
        .values_list("project_id", "reason")
    ):
        reasons[project_id] = reason  # the latest wins
    return reasons


def programme_check(
    programme,
    projects,
    *,
    shortfalls: dict | None = None,
    overdrawn: dict | None = None,
    with_reasons: bool = False,
) -> list[CheckFinding]:
    """The data checks of one ward-year, on its projects already in memory (no query):

    - the projects' initial budgets do not add up to the programme's allocation;
    - a settled figure above its revised budget (allowed: transfers happen; flagged);
    - a settled figure with no revised budget once the year has been revised (before, with no budget at all);
    - a budget below what services have committed against it, with the reason stated for it
      (`shortfalls`, from `stated_shortfalls`; not checked where not given);
    - a project overdrawn by what services decided (its money left below zero), with the reason
      stated for the decision (`overdrawn`, from `stated_overdraws`; not checked where not given).

    The reports publish these findings, so the reason staff typed for a shortfall is given only
    `with_reasons` (`machi ledger check`); the public is told that one was recorded.
    """
    from machi.core.money import format_thousands

    ward = programme.ward.name
    projects = sorted(projects, key=lambda p: (p.position, p.no is None, p.no or 0, p.id or 0))
    found: list[CheckFinding] = []
    initial_total = sum(p.initial_yen for p in projects if p.initial_yen is not None)
    if programme.allocation_yen is not None and initial_total != programme.allocation_yen:
        found.append(
            CheckFinding(
                ward,
                "allocation",
                _(
                    "当初予算の合計 %(initial)s 千円が配分額 %(allocation)s 千円と一致しません（差 %(difference)s 千円）"
                )
                % {
                    "initial": format_thousands(initial_total),
                    "allocation": format_thousands(programme.allocation_yen),
                    "difference": format_thousands(initial_total - programme.allocation_yen),
                },
            )
        )
    for project in projects:
        if project.settled_exceeds_revised:
            found.append(
                CheckFinding(
                    ward,
                    "settled_above_revised",
                    _(
                        "No.%(no)s %(project)s: 決算額 %(settled)s 千円が2月補正後 %(revised)s 千円を上回っています"
                    )
                    % {
                        "no": project.no or "－",
                        "project": project.name,
                        "settled": format_thousands(project.settled_yen),
                        "revised": format_thousands(project.revised_yen),
                    },
                )
            )
    # Before the February revision, money is spent against 当初予算: a settled figure then lacks a revised one
    # only once the year has been revised, or where there is no budget at all.
    year_revised = any(project.revised_yen is not None for project in projects)
    for project in projects:
        if (
            project.settled_yen is not None
            and project.revised_yen is None
            and (year_revised or project.initial_yen is None)
        ):
            found.append(
                CheckFinding(
                    ward,
                    "settled_without_revised",
                    _("No.%(no)s %(project)s: 2月補正後の予算がないのに決算額 %(settled)s 千円があります")
                    % {
                        "no": project.no or "－",
                        "project": project.name,
                        "settled": format_thousands(project.settled_yen),
                    },
                )
            )
    for project in projects:
        if shortfalls and project.pk in shortfalls:
            shortfall, reason = shortfalls[project.pk]
            found.append(
                CheckFinding(
                    ward,
                    "below_commitments",
                    _(
                        "No.%(no)s %(project)s: 予算 %(budget)s円が決定済みの %(committed)s円を下回っています"
                        "（%(what)s）。%(reason)s"
                    )
                    % {
                        "no": project.no or "－",
                        "project": project.name,
                        "budget": "―" if shortfall.budget_yen is None else f"{shortfall.budget_yen:,}",
                        "committed": f"{shortfall.committed_yen:,}",
                        "what": join_clauses(c.label for c in shortfall.commitments if c.committed_yen),
                        "reason": _shortfall_reason(reason, with_reasons),
                    },
                )
            )
    for project in projects:
        if overdrawn and project.pk in overdrawn:
            left, reason = overdrawn[project.pk]
            found.append(
                CheckFinding(
                    ward,
                    "overdrawn",
                    _(
                        "No.%(no)s %(project)s: 決定済みの額が予算の残りを超えています（%(breakdown)s）。%(reason)s"
                    )
                    % {
                        "no": project.no or "－",
                        "project": project.name,
                        "breakdown": left.breakdown(),
                        "reason": _shortfall_reason(reason, with_reasons),
                    },
                )
            )
    return found


def _shortfall_reason(reason: str | None, with_reasons: bool) -> str:
    if not reason:
        return _("理由の記録はありません")
    return _("理由: %(reason)s") % {"reason": reason} if with_reasons else _("理由は区が記録しています")


def ward_named(text: str):
    """The ward people mean by a name or a 6-digit code, as typed (full-width digits too), or None."""
    from machi.ledger.models import Ward

    return Ward.objects.named(text)
