"""Residents' requests (地域課題の受付): categories per ward (Open311 "services"), numbered requests,
their append-only updates and followers.

A request's number is gapless per ward and fiscal year: `RequestCounter` holds the last number
given and is locked (`select_for_update`) by the submission that takes the next one, so parallel
submissions queue on that row and the unique constraint guards the result.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from machi.core.fiscal import wareki
from machi.ledger.models import ExpenseSection, Project, Ward

DESCRIPTION_MAX = 4000


class Category(models.Model):
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="request_categories")
    code = models.CharField(_("コード"), max_length=40)
    name = models.CharField(_("名称"), max_length=100)
    group = models.CharField(_("分類"), max_length=100, blank=True)
    description = models.TextField(_("説明"), blank=True)
    public = models.BooleanField(_("公開"), default=True)
    target_days = models.PositiveSmallIntegerField(_("目標日数（開庁日）"), default=10)
    fund = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        related_name="request_categories",
        null=True,
        blank=True,
        verbose_name=_("課題対応経費の事業"),
    )
    active = models.BooleanField(_("受付中"), default=True)
    # The category's own questions (Open311 service definition attributes): a list of
    # {"code", "label", "datatype": string|number|datetime|text|singlevaluelist|multivaluelist,
    #  "required": bool, "description", "values": [{"key", "name"}]}.
    attributes = models.JSONField(_("追加の項目"), default=list, blank=True)

    class Meta:
        ordering = ["ward", "code"]
        constraints = [
            models.UniqueConstraint(fields=["ward", "code"], name="requests_category_code_per_ward")
        ]
        verbose_name = _("課題の種類")
        verbose_name_plural = _("課題の種類")

    def __str__(self) -> str:
        return f"{self.ward} {self.name}"


class RequestCounter(models.Model):
    """The last number given in a ward and fiscal year; locked by the submission taking the next."""

    ward = models.ForeignKey(Ward, on_delete=models.CASCADE, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ward", "fiscal_year"], name="requests_counter_per_ward_year")
        ]

    def __str__(self) -> str:
        return f"{self.ward_id} {self.fiscal_year}: {self.last}"


class Request(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", pgettext_lazy("request status", "受付")  # not the events' 受付 (check-in)
        CHECKING = "checking", _("確認中")
        IN_PROGRESS = "in_progress", _("対応中")
        RESOLVED = "resolved", _("対応済")
        DECLINED = "declined", _("対応不可")
        REFERRED = "referred", _("引継ぎ")
        DUPLICATE = "duplicate", _("重複")
        WITHDRAWN = "withdrawn", _("取下げ")

    OPEN = (Status.RECEIVED, Status.CHECKING, Status.IN_PROGRESS)

    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="requests")
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    number = models.PositiveIntegerField(_("番号"))
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="requests")
    description = models.TextField(_("内容"), max_length=DESCRIPTION_MAX)
    latitude = models.DecimalField(_("緯度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("経度"), max_digits=9, decimal_places=6, null=True, blank=True)
    address = models.CharField(_("住所・場所"), max_length=200, blank=True)
    address_key = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    school_district = models.CharField(_("校区"), max_length=100, blank=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    group = models.ForeignKey(
        "accounts.CommunityGroup", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    caller_name = models.CharField(_("電話等の申出者"), max_length=100, blank=True)
    caller_phone = models.CharField(_("申出者の電話番号"), max_length=30, blank=True)
    on_behalf = models.BooleanField(_("職員が代理で受付"), default=False)
    status = models.CharField(_("状態"), max_length=12, choices=Status.choices, default=Status.RECEIVED)
    public_reason = models.TextField(_("対応不可の理由"), blank=True)
    referred_to = models.CharField(_("引継ぎ先"), max_length=200, blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )
    acknowledge_by = models.DateField(_("受付確認の期限"))
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    expected_by = models.DateField(_("対応予定日"))
    # Answers to the category's own questions, by attribute code.
    attributes = models.JSONField(_("追加の項目への回答"), default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    # Forgotten at the person's request or past retention: the number, category, dates and status stay
    # (the ward's counts and the ledger's history need them); text, address, location, photos and
    # the person's link are erased.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ward", "fiscal_year", "number"], name="requests_number_per_ward_year"
            )
        ]
        indexes = [
            models.Index(fields=["category", "status", "created_at"]),
            # Newest first (the public list, Open311's GET requests): a page is read off the index
            # instead of sorting every request.
            models.Index(fields=["created_at", "id"], name="requests_newest_first"),
        ]
        verbose_name = _("地域課題")
        verbose_name_plural = _("地域課題")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """令和4年度 中央区 第123号."""
        return f"{wareki(self.fiscal_year)} {self.ward.name} 第{self.number}号"

    @property
    def service_request_id(self) -> str:
        """Open311's id: the ward's 地方公共団体コード, the fiscal year and the number (431010-2022-123)."""
        return f"{self.ward.code}-{self.fiscal_year}-{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class RequestUpdate(models.Model):
    """One change of a request (append-only): the status it moved between and its notes."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="updates")
    from_status = models.CharField(max_length=12, choices=Request.Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Request.Status.choices)
    public_note = models.TextField(_("公開する説明"), blank=True)
    internal_note = models.TextField(_("内部メモ"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.from_status} → {self.to_status}"


class Follower(models.Model):
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "user"], name="requests_one_follow_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.user_id}"


class Expenditure(models.Model):
    """Money the fund (the category's ledger project) paid to answer a request, or a refund of it (戻入).

    Each posts to the fund project's 決算額 through the ledger's own figure change (`figure_change`),
    a payment adding its amount and a refund taking it off (shown as △). `amount_yen` is always
    positive; the kind gives the sign. A payment beyond the fund's money left keeps the stated reason
    (流用) here and in the ledger (`BudgetShortfall`), which `machi ledger check` lists.
    """

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("支出")
        REFUND = "refund", _("戻入")

    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="expenditures")
    kind = models.CharField(_("区分"), max_length=10, choices=Kind.choices, default=Kind.PAYMENT)
    section = models.CharField(_("節"), max_length=20, choices=ExpenseSection.choices)
    payee = models.CharField(_("支払先"), max_length=200)
    paid_on = models.DateField(_("支払日"))
    amount_yen = models.PositiveBigIntegerField(_("金額（円）"))
    order_number = models.CharField(_("支出命令番号"), max_length=40, blank=True)
    note = models.CharField(_("摘要"), max_length=200, blank=True)
    refund_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
        verbose_name=_("戻入元"),
    )
    overdraw_reason = models.TextField(_("予算を超える理由（流用）"), blank=True)
    figure_change = models.ForeignKey(
        "ledger.FigureChange", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("記録日時"), auto_now_add=True)

    class Meta:
        ordering = ["request_id", "recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_yen__gte=1), name="requests_expenditure_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="payment", refund_of__isnull=True)
                | models.Q(kind="refund", refund_of__isnull=False),
                name="requests_refund_names_its_payment",
            ),
        ]
        verbose_name = _("課題対応の支出")
        verbose_name_plural = _("課題対応の支出")

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind} {self.amount_yen}"

    @property
    def signed_yen(self) -> int:
        return -self.amount_yen if self.kind == self.Kind.REFUND else self.amount_yen


class Photo(models.Model):
    """A photo of the problem: its content checked as JPEG, PNG or WebP, re-encoded without metadata
    (GPS, camera, thumbnails) before it is stored. Staff and the requester see it; the public never."""

    MAX_PER_REQUEST = 3

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="photos")
    content_type = models.CharField(_("形式"), max_length=20)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField(_("大きさ（バイト）"))
    sha256 = models.CharField(max_length=64, editable=False)
    content = models.BinaryField(editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["request_id", "uploaded_at", "id"]
        verbose_name = _("写真")
        verbose_name_plural = _("写真")

    def __str__(self) -> str:
        return f"{self.request_id} photo {self.pk}"
