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

from machi.core.fiscal import wareki
from machi.ledger.models import Project, Ward

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
        RECEIVED = "received", _("受付")
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
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ward", "fiscal_year", "number"], name="requests_number_per_ward_year"
            )
        ]
        indexes = [models.Index(fields=["category", "status", "created_at"])]
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
