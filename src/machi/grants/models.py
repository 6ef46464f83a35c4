"""Community grants (地域コミュニティづくり支援補助金): programmes, tracks, applications and their money.

A programme belongs to one ledger project, whose revised budget (2月補正後, else 当初) is
the envelope. What is left of it is the ledger's one figure (`machi.ledger.queries.money_left`:
the budget less the project's 決算額 less the grants decided and not yet paid); a decision
beyond it is refused unless staff state why (`actions.decide`, with the programme and project
rows locked). Payments and repayments post to the project's settled figure (決算額) through the
ledger, so its history names each grant.

Money is integer yen (fields end in `_yen`). What must never be violated is a database
constraint: non-negative amounts, confirmed ≤ decided ≤ the computed grant ≤ the cap,
a reason on every rejection and repayment, one payment per application.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from machi.accounts.models import CommunityGroup
from machi.core.fiscal import fiscal_year_label
from machi.core.models import AppendOnlyError, AppendOnlyModel  # noqa: F401  (AppendOnlyError re-exported)
from machi.core.money import format_yen
from machi.grants.queries import ApplicationQuerySet, GrantProgrammeQuerySet
from machi.grants.rules import Rounding

# Attachments are kept in the database, not on an app server's disk: app servers are
# stateless and share one PostgreSQL (docs/architecture.md, Running), and receipts are small.
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
ATTACHMENT_TYPES = ("application/pdf", "image/png", "image/jpeg")


class GrantProgramme(models.Model):
    """One ward's community grant for one fiscal year, paid from one ledger project."""

    ward = models.ForeignKey(
        "ledger.Ward", on_delete=models.PROTECT, related_name="grant_programmes", verbose_name=_("区")
    )
    fiscal_year = models.PositiveSmallIntegerField(_("年度（西暦）"))
    project = models.OneToOneField(
        "ledger.Project",
        on_delete=models.PROTECT,
        related_name="grant_programme",
        verbose_name=_("事業"),
        help_text=_("補助金を支出する台帳の事業。補正後の予算額が交付の総額の上限になる"),
    )
    name = models.CharField(_("名称"), max_length=200)
    description = models.TextField(_("説明"), blank=True)
    opens_at = models.DateTimeField(_("申請の受付開始"))
    closes_at = models.DateTimeField(_("申請の受付締切"))

    objects = GrantProgrammeQuerySet.as_manager()

    class Meta:
        ordering = ["-fiscal_year", "ward__code", "id"]
        verbose_name = _("補助金の制度")
        verbose_name_plural = _("補助金の制度")
        constraints = [
            models.UniqueConstraint(
                fields=["ward", "fiscal_year", "name"], name="grant_programme_name_unique"
            ),
            models.CheckConstraint(condition=Q(opens_at__lt=F("closes_at")), name="grant_window_in_order"),
        ]

    def __str__(self) -> str:
        return f"{fiscal_year_label(self.fiscal_year)} {self.ward.name} {self.name}"

    @property
    def envelope_yen(self) -> int | None:
        """The most the programme may grant: the project's 2月補正後, else its 当初予算 (None: not budgeted)."""
        project = self.project
        return project.revised_yen if project.revised_yen is not None else project.initial_yen

    def is_open(self, now) -> bool:
        return self.opens_at <= now < self.closes_at


class GrantTrack(models.Model):
    """区分: a rate (a fraction of the eligible expenses), a cap, and how the grant is rounded."""

    ROUNDING_CHOICES = [
        (Rounding.FLOOR_1000, _("千円未満切り捨て")),
        (Rounding.FLOOR_100, _("百円未満切り捨て")),
        (Rounding.FLOOR_1, _("円未満切り捨て")),
    ]

    programme = models.ForeignKey(GrantProgramme, on_delete=models.CASCADE, related_name="tracks")
    name = models.CharField(_("区分名"), max_length=100)
    rate_numerator = models.PositiveIntegerField(_("補助率（分子）"))
    rate_denominator = models.PositiveIntegerField(_("補助率（分母）"))
    cap_yen = models.PositiveBigIntegerField(_("上限額（円）"))
    rounding = models.CharField(
        _("端数の扱い"), max_length=12, choices=ROUNDING_CHOICES, default=Rounding.FLOOR_1000
    )
    position = models.PositiveSmallIntegerField(_("表示順"), default=0)

    class Meta:
        ordering = ["programme_id", "position", "id"]
        verbose_name = _("補助の区分")
        verbose_name_plural = _("補助の区分")
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="grant_track_name_unique"),
            models.CheckConstraint(
                condition=Q(rate_numerator__gt=0) & Q(rate_numerator__lte=F("rate_denominator")),
                name="grant_rate_between_0_and_1",
            ),
            models.CheckConstraint(condition=Q(cap_yen__gte=0), name="grant_cap_not_negative"),
            models.CheckConstraint(
                condition=Q(rounding__in=list(Rounding.UNITS)), name="grant_rounding_known"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(name)s（補助率%(rate)s、上限%(cap)s円）") % {
            "name": self.name,
            "rate": self.rate,
            "cap": format_yen(self.cap_yen),
        }

    @property
    def rate(self) -> str:
        return f"{self.rate_numerator}/{self.rate_denominator}"


class ExpenseCategory(models.Model):
    """費目: 謝礼金, 消耗品費 … and whether the programme pays towards it (飲食費 usually not)."""

    programme = models.ForeignKey(GrantProgramme, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("費目"), max_length=100)
    eligible = models.BooleanField(_("補助対象"), default=True)
    position = models.PositiveSmallIntegerField(_("表示順"), default=0)

    class Meta:
        ordering = ["programme_id", "position", "id"]
        verbose_name = _("経費の費目")
        verbose_name_plural = _("経費の費目")
        constraints = [models.UniqueConstraint(fields=["programme", "name"], name="expense_category_unique")]

    def __str__(self) -> str:
        return self.name if self.eligible else gettext("%(name)s（対象外）") % {"name": self.name}


class Application(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("下書き")
        CHANGES_REQUESTED = "changes_requested", _("修正依頼")
        SUBMITTED = "submitted", _("申請済み")
        UNDER_REVIEW = "under_review", _("審査中")
        DECIDED = "decided", _("交付決定")
        REJECTED = "rejected", _("不交付")
        REPORTED = "reported", _("実績報告済み")
        CONFIRMED = "confirmed", _("額の確定")
        PAID = "paid", _("支払済み")
        WITHDRAWN = "withdrawn", _("取下げ")

    # The statuses whose money counts against the envelope: decided and not released since.
    COMMITTED = (Status.DECIDED, Status.REPORTED, Status.CONFIRMED, Status.PAID)
    # The applicant may still change the application in these.
    EDITABLE = (Status.DRAFT, Status.CHANGES_REQUESTED)

    programme = models.ForeignKey(
        GrantProgramme, on_delete=models.PROTECT, related_name="applications", verbose_name=_("制度")
    )
    track = models.ForeignKey(
        GrantTrack,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=pgettext_lazy("grant track", "区分"),
    )
    group = models.ForeignKey(
        CommunityGroup, on_delete=models.PROTECT, related_name="grant_applications", verbose_name=_("団体")
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="grant_applications",
        verbose_name=_("申請者"),
    )
    title = models.CharField(_("事業名"), max_length=200)
    plan = models.TextField(_("事業の内容"), blank=True)
    schedule = models.TextField(_("実施時期・日程"), blank=True)
    other_income_yen = models.PositiveBigIntegerField(
        _("その他の収入（円）"), default=0, help_text=_("参加費・協賛金・自己資金など")
    )
    status = models.CharField(_("状態"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("申請日時"), null=True, blank=True)
    # 交付決定: the amount, the grant the rule gave on the planned expenses then, and the track's cap then.
    decided_yen = models.PositiveBigIntegerField(_("交付決定額（円）"), null=True, blank=True)
    computed_yen = models.PositiveBigIntegerField(_("算定額（円）"), null=True, blank=True)
    cap_yen = models.PositiveBigIntegerField(_("上限額（円）"), null=True, blank=True)
    conditions = models.TextField(_("交付の条件"), blank=True)
    decided_at = models.DateTimeField(_("交付決定日時"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rejection_reason = models.TextField(_("不交付の理由"), blank=True)
    reported_at = models.DateTimeField(_("実績報告日時"), null=True, blank=True)
    confirmed_yen = models.PositiveBigIntegerField(_("確定額（円）"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("額の確定日時"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("取下げ日時"), null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("補助金の申請")
        verbose_name_plural = _("補助金の申請")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="rejected_application_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["decided", "reported", "confirmed", "paid"])
                | (Q(decided_yen__isnull=False) & Q(computed_yen__isnull=False) & Q(cap_yen__isnull=False)),
                name="decided_application_has_amount",
            ),
            models.CheckConstraint(
                condition=Q(decided_yen__isnull=True) | Q(decided_yen__lte=F("computed_yen")),
                name="decided_within_computed_grant",
            ),
            models.CheckConstraint(
                condition=Q(computed_yen__isnull=True) | Q(computed_yen__lte=F("cap_yen")),
                name="computed_grant_within_cap",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["confirmed", "paid"]) | Q(confirmed_yen__isnull=False),
                name="confirmed_application_has_amount",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_yen__isnull=True) | Q(confirmed_yen__lte=F("decided_yen")),
                name="confirmed_within_decided",
            ),
        ]
        indexes = [models.Index(fields=["programme", "status"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        """申請番号, as letters and notices quote it."""
        return f"G{self.programme.fiscal_year}-{self.pk or 0:05d}"

    @property
    def committed_yen(self) -> int:
        """What this application holds of the envelope: the 確定額 once confirmed, else the 交付決定額."""
        if self.status not in self.COMMITTED:
            return 0
        return self.confirmed_yen if self.confirmed_yen is not None else self.decided_yen


class ExpenseLine(models.Model):
    """A line of the budget (planned, at application) or of the accounts (actual, at the result report)."""

    class Phase(models.TextChoices):
        PLANNED = "planned", _("予算")
        ACTUAL = "actual", _("決算")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="expenses")
    phase = models.CharField(_("区別"), max_length=10, choices=Phase.choices)
    category = models.ForeignKey(
        ExpenseCategory, on_delete=models.PROTECT, related_name="lines", verbose_name=_("費目")
    )
    description = models.CharField(_("内容"), max_length=200)
    amount_yen = models.PositiveBigIntegerField(_("金額（円）"))

    class Meta:
        ordering = ["application_id", "phase", "id"]
        verbose_name = _("経費")
        verbose_name_plural = _("経費")
        constraints = [
            models.CheckConstraint(condition=Q(amount_yen__gte=0), name="expense_not_negative"),
            models.CheckConstraint(condition=Q(phase__in=["planned", "actual"]), name="expense_phase_known"),
        ]

    def __str__(self) -> str:
        return f"{self.category.name} {self.description} {self.amount_yen:,}円"


class ApplicationEvent(AppendOnlyModel):
    """One step of an application's history: a transition or a comment. Append-only, like the audit log."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("日時"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(_("実行者名"), max_length=150)
    from_status = models.CharField(
        _("変更前の状態"), max_length=20, choices=Application.Status.choices, blank=True
    )
    to_status = models.CharField(_("変更後の状態"), max_length=20, choices=Application.Status.choices)
    note = models.TextField(_("メモ"), blank=True)

    class Meta:
        ordering = ["application_id", "at", "id"]
        verbose_name = _("申請の履歴")
        verbose_name_plural = _("申請の履歴")

    def __str__(self) -> str:
        return f"{self.application_id} {self.from_status or '—'} → {self.to_status}"

    @property
    def is_comment(self) -> bool:
        return self.from_status == self.to_status


class Attachment(models.Model):
    """A file an applicant adds: a plan, a quote, a receipt, a photo. PDF, PNG or JPEG, checked by content."""

    class Kind(models.TextChoices):
        PLAN = "plan", _("事業計画・見積書")
        RECEIPT = "receipt", _("領収書")
        PHOTO = "photo", _("活動の写真")
        OTHER = "other", _("その他")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("種類"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("ファイル名"), max_length=200)
    content_type = models.CharField(_("形式"), max_length=40)
    size = models.PositiveIntegerField(_("大きさ（バイト）"))
    sha256 = models.CharField(max_length=64, editable=False)
    content = models.BinaryField(editable=False)
    uploaded_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["application_id", "uploaded_at", "id"]
        verbose_name = _("添付書類")
        verbose_name_plural = _("添付書類")
        constraints = [
            models.CheckConstraint(
                condition=Q(size__gt=0) & Q(size__lte=MAX_ATTACHMENT_BYTES), name="attachment_size_limit"
            ),
            models.CheckConstraint(
                condition=Q(content_type__in=ATTACHMENT_TYPES), name="attachment_type_allowed"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Payment(models.Model):
    """The grant paid. One per application: the unique key makes a second payment impossible."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="payment")
    amount_yen = models.PositiveBigIntegerField(_("支払額（円）"))
    paid_at = models.DateTimeField(_("支払日時"))
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["paid_at", "id"]
        verbose_name = _("補助金の支払い")
        verbose_name_plural = _("補助金の支払い")
        constraints = [models.CheckConstraint(condition=Q(amount_yen__gt=0), name="payment_positive")]

    def __str__(self) -> str:
        return f"{self.application} {self.amount_yen:,}円"


class Repayment(models.Model):
    """返還: part or all of a paid grant given back, with the reason (an overpayment, a cancelled event)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="repayments")
    amount_yen = models.PositiveBigIntegerField(_("返還額（円）"))
    reason = models.TextField(_("返還の理由"))
    recorded_at = models.DateTimeField(_("記録日時"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("補助金の返還")
        verbose_name_plural = _("補助金の返還")
        constraints = [
            models.CheckConstraint(condition=Q(amount_yen__gt=0), name="repayment_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="repayment_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.application} 返還 {self.amount_yen:,}円"
