"""The ledger: wards, their yearly programmes, pillars, projects and each project's money.

Money is integer yen (fields end in `_yen`); None means "not budgeted" (―), never 0.
Derived figures (execution rate, 不用額, totals) are computed, never stored.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from machi.core import lgcode
from machi.core.fiscal import fiscal_year_label, wareki
from machi.core.models import AppendOnlyError, AppendOnlyModel  # noqa: F401  (AppendOnlyError re-exported)
from machi.core.money import execution_rate, move_yen, unused_amount
from machi.core.text import name_key
from machi.ledger.queries import FigureChangeQuerySet, ProgrammeQuerySet, ProjectQuerySet, WardQuerySet


def validate_lg_code(value: str) -> None:
    try:
        lgcode.validate(value)
    except ValueError as error:
        raise ValidationError(str(error)) from None


class Ward(models.Model):
    code = models.CharField(_("団体コード"), max_length=6, unique=True, validators=[validate_lg_code])
    name = models.CharField(_("区名"), max_length=50, unique=True)
    name_en = models.CharField(_("英語名"), max_length=100, blank=True)
    city_name = models.CharField(_("市名"), max_length=50, blank=True)
    city_code = models.CharField(_("市の団体コード"), max_length=6, blank=True, validators=[validate_lg_code])

    objects = WardQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("区")
        verbose_name_plural = _("区")

    def __str__(self) -> str:
        return self.name


class Programme(models.Model):
    """One ward's まちづくり推進経費 for one fiscal year."""

    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="programmes", verbose_name=_("区"))
    fiscal_year = models.PositiveSmallIntegerField(_("年度（西暦）"))
    allocation_yen = models.BigIntegerField(_("配分額（円）"), null=True, blank=True)
    vision = models.TextField(_("めざす区の姿"), blank=True)
    priorities = models.TextField(_("重点的取組・方針"), blank=True)
    # A programme `machi demo` made so the services can be tried in the current year: every page,
    # export and open-data file of it says so, so no one takes it for a real budget.
    is_demo = models.BooleanField(
        _("デモ用のデータ"), default=False, help_text=_("デモ用に作った年度計画（実際の予算ではない）")
    )

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        ordering = ["-fiscal_year", "ward__code"]
        verbose_name = _("区の年度計画")
        verbose_name_plural = _("区の年度計画")
        constraints = [
            models.UniqueConstraint(fields=["ward", "fiscal_year"], name="one_programme_per_ward_year"),
            models.CheckConstraint(
                condition=Q(allocation_yen__isnull=True) | Q(allocation_yen__gte=0),
                name="allocation_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{fiscal_year_label(self.fiscal_year)} {self.ward.name}"

    @property
    def fiscal_year_label(self) -> str:
        """和暦 whatever the language: the API's field of this name (pages use the `wareki` filter)."""
        return wareki(self.fiscal_year)


class Pillar(models.Model):
    """One of the ward's ordered policy groups for the year (基本方針, 重点的取組 …)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="pillars")
    position = models.PositiveSmallIntegerField(_("順序"))
    name = models.CharField(_("柱"), max_length=200)
    description = models.TextField(_("説明"), blank=True)

    class Meta:
        ordering = ["programme", "position"]
        verbose_name = _("柱（基本方針）")
        verbose_name_plural = _("柱（基本方針）")
        constraints = [
            models.UniqueConstraint(fields=["programme", "position"], name="pillar_position_unique"),
            models.UniqueConstraint(fields=["programme", "name"], name="pillar_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Theme(models.Model):
    """A cross-ward tag (防災, ICT, 健康 …) for comparing what wards spend on."""

    name = models.CharField(_("テーマ"), max_length=50, unique=True)
    name_en = models.CharField(_("英語名"), max_length=50, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("テーマ")
        verbose_name_plural = _("テーマ")

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    class Status(models.TextChoices):
        NEW = "新規", _("新規")
        CONTINUING = "継続", _("継続")
        EXPANDED = "拡充", _("拡充")
        NONE = "", _("（なし）")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="projects")
    pillar = models.ForeignKey(
        Pillar, on_delete=models.PROTECT, related_name="projects", null=True, blank=True, verbose_name=_("柱")
    )
    position = models.PositiveSmallIntegerField(_("表示順"), default=0)
    no = models.PositiveSmallIntegerField(_("No."), null=True, blank=True)
    name = models.CharField(_("事業名"), max_length=200)
    name_key = models.CharField(max_length=200, editable=False)
    description = models.TextField(_("事業内容"), blank=True)
    status = models.CharField(_("区分"), max_length=2, choices=Status.choices, blank=True, default="")
    themes = models.ManyToManyField(Theme, blank=True, related_name="projects", verbose_name=_("テーマ"))
    initial_yen = models.BigIntegerField(_("当初予算（円）"), null=True, blank=True)
    revised_yen = models.BigIntegerField(_("2月補正後（円）"), null=True, blank=True)
    settled_yen = models.BigIntegerField(_("決算額（円）"), null=True, blank=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["programme", "position", "no", "id"]
        verbose_name = _("事業")
        verbose_name_plural = _("事業")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "name_key"], name="project_name_unique_in_programme"
            ),
            models.UniqueConstraint(
                fields=["programme", "no"],
                condition=Q(no__isnull=False),
                name="project_no_unique_in_programme",
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 0}),
                    name=f"project_{field}_not_negative",
                )
                for field in ("initial_yen", "revised_yen", "settled_yen")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.no or ''} {self.name}".strip()

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.name)
        super().save(*args, **kwargs)

    @property
    def execution_rate(self):
        return execution_rate(self.settled_yen, self.revised_yen)

    @property
    def unused_yen(self) -> int | None:
        return unused_amount(self.settled_yen, self.revised_yen)

    @property
    def settled_exceeds_revised(self) -> bool:
        return (
            self.settled_yen is not None
            and self.revised_yen is not None
            and self.settled_yen > self.revised_yen
        )


class ExpenseSection(models.TextChoices):
    """The 節 of 歳出 a service's payment is booked under: one list for every service that spends."""

    REWARDS = "rewards", _("報償費")
    SUPPLIES = "supplies", _("需用費")
    SERVICES = "services", _("役務費")
    COMMISSION = "commission", _("委託料")
    RENT = "rent", _("使用料及び賃借料")
    CONSTRUCTION = "construction", _("工事請負費")
    MATERIALS = "materials", _("原材料費")
    EQUIPMENT = "equipment", _("備品購入費")


class Stage(models.TextChoices):
    """The three stages of a project's money, in the order a year goes through them."""

    INITIAL = "initial", _("当初予算")
    REVISED = "revised", _("2月補正後")
    SETTLED = "settled", _("決算額")

    @property
    def field(self) -> str:
        return f"{self.value}_yen"


class FigureChange(AppendOnlyModel):
    """One change of one figure: who, when, why. Append-only.

    The ledger's figures on Project are the latest of these; the history is the
    record people audit, so rows are never updated or deleted (`AppendOnlyModel`:
    save() refuses an update, delete() and the QuerySet's update() and delete() refuse always).
    """

    # PROTECT: a project whose money has a history is not deleted, it is kept with it.
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="figure_changes")
    stage = models.CharField(_("段階"), max_length=10, choices=Stage.choices)
    old_yen = models.BigIntegerField(_("変更前（円）"), null=True, blank=True)
    new_yen = models.BigIntegerField(_("変更後（円）"), null=True, blank=True)
    changed_at = models.DateTimeField(_("日時"), auto_now_add=True, db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("変更者")
    )
    # `reason` is what the person or service wrote, for staff (the admin, the audit); the public
    # sees `public_reason`, a label a service composes from its kind and number (補助金の支払い
    # （申請番号 …）), or, where empty, a generic label for the stage (`queries.public_history`).
    reason = models.TextField(_("理由"))
    public_reason = models.CharField(_("公開する理由"), max_length=200, blank=True)

    objects = FigureChangeQuerySet.as_manager()

    class Meta:
        ordering = ["project", "changed_at", "id"]
        verbose_name = _("金額の変更履歴")
        verbose_name_plural = _("金額の変更履歴")

    def __str__(self) -> str:
        return f"{self.project} {self.get_stage_display()}: {self.old_yen} → {self.new_yen}"

    @property
    def change_yen(self) -> int | None:
        """The move (new − old, ― as nothing): negative for a refund or reversal, shown △."""
        return move_yen(self.old_yen, self.new_yen)


class Outcome(models.Model):
    """A figure a service posts about what a project achieved (予約件数、利用時間、稼働率 …).

    Each service owns its `source`, and posts each figure for a period; posting the same
    source, metric and period again replaces the value, so a service re-posts its running
    totals as often as it likes. Money is not an outcome: it goes through `set_figures`.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="outcomes")
    source = models.SlugField(_("提供元"), max_length=40)
    metric = models.SlugField(_("指標"), max_length=80)
    label = models.CharField(_("指標名"), max_length=200)
    value = models.DecimalField(_("値"), max_digits=15, decimal_places=2)
    unit = models.CharField(_("単位"), max_length=20, blank=True)
    period_start = models.DateField(_("期間の初日"))
    period_end = models.DateField(_("期間の末日"))
    posted_at = models.DateTimeField(_("計上日時"), auto_now=True)

    class Meta:
        ordering = ["project", "source", "period_start", "id"]
        verbose_name = _("成果")
        verbose_name_plural = _("成果")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "source", "metric", "period_start", "period_end"],
                name="one_outcome_per_period",
            ),
            models.CheckConstraint(
                condition=Q(period_start__lte=F("period_end")), name="outcome_period_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.label}: {self.value}{self.unit}"


class BudgetShortfall(AppendOnlyModel):
    """A budget accepted below what services had committed against it, and the reason stated for it.

    Append-only, like the figures' history: written by the action that changed the budget (the API,
    the admin, an import) when the person gave a reason; `machi ledger check` lists the project as long
    as its budget stays below its commitments, with the latest reason.
    """

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="budget_shortfalls")
    budget_yen = models.BigIntegerField(_("予算（円）"), null=True, blank=True)
    committed_yen = models.BigIntegerField(_("決定済みの額（円）"))
    commitments = models.TextField(_("決定済みの内訳"))
    reason = models.TextField(_("予算が決定済みの額を下回る理由"))
    stated_at = models.DateTimeField(_("日時"), auto_now_add=True, db_index=True)
    stated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("記録者")
    )

    class Meta:
        ordering = ["project", "stated_at", "id"]
        verbose_name = _("決定済みの額を下回る予算")
        verbose_name_plural = _("決定済みの額を下回る予算")
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="budget_shortfall_has_reason")]

    def __str__(self) -> str:
        return f"{self.project}: {self.budget_yen} < {self.committed_yen}"
