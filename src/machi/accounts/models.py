"""People, their roles scoped to wards and centres, community groups, and API tokens."""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from machi.accounts.queries import CommunityGroupQuerySet, RoleGrantQuerySet
from machi.core.text import lookalike_key

NO_NAME = _("（氏名未登録）")
DELETED = _("（削除済みの利用者）")


def deleted_username(pk: int) -> str:
    return f"deleted-{pk}"


class User(AbstractUser):
    """Machi's user from the first migration, so people, roles and scopes can grow on it."""

    class Language(models.TextChoices):
        JA = "ja", "日本語"
        EN = "en", "English"

    display_name = models.CharField(_("表示名"), max_length=100, blank=True)
    name_kana = models.CharField(_("氏名（かな）"), max_length=100, blank=True)
    phone = models.CharField(_("電話番号"), max_length=20, blank=True)
    school_district = models.CharField(_("校区"), max_length=50, blank=True)
    home_ward = models.ForeignKey(
        "ledger.Ward",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("お住まいの区"),
        help_text=_("区民の先行受付などに使います"),
    )
    # The declared ward counts (the residents' head start) only once its staff have checked an ID at
    # the counter, as a city's 利用者登録 does; declaring another ward clears it (`update_profile`).
    residency_verified_at = models.DateTimeField(_("住所の確認日時"), null=True, blank=True)
    residency_verified_ward = models.ForeignKey(
        "ledger.Ward",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("住所を確認した区"),
    )
    residency_verified_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("住所を確認した職員"),
    )
    preferred_language = models.CharField(
        _("表示言語"), max_length=5, choices=Language.choices, default=Language.JA
    )
    email_verified_at = models.DateTimeField(_("メール確認日時"), null=True, blank=True)
    # A new address asked for and not yet confirmed: the login and the mails stay with `email` until then.
    pending_email = models.EmailField(_("確認待ちの新しいメールアドレス"), blank=True)

    class Meta:
        verbose_name = _("利用者")
        verbose_name_plural = _("利用者")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="user_email_unique_ci",
                violation_error_message=_("このメールアドレスはすでに登録されています"),
            ),
        ]

    def __str__(self) -> str:
        # Greetings, day sheets and histories name the person, never their login or address.
        if self.is_deleted:
            return str(DELETED)
        return self.display_name or self.get_full_name() or str(NO_NAME)

    @property
    def is_deleted(self) -> bool:
        """Whether the person deleted their account (`accounts.privacy.delete_account` renames it so)."""
        return self.pk is not None and self.username == deleted_username(self.pk)

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def residency_verified(self) -> bool:
        """The declared home ward has been verified by that ward's staff."""
        return self.residency_verified_at is not None and self.residency_verified_ward_id == self.home_ward_id

    def verified_resident_of(self, ward_id) -> bool:
        """Whether this person counts as a resident of the ward (for the head start): verified, not declared."""
        return ward_id is not None and self.home_ward_id == ward_id and self.residency_verified


class Role(models.TextChoices):
    CITY_ADMIN = "city-admin", _("市の管理者")
    WARD_STAFF = "ward-staff", _("区職員")
    CENTRE_MANAGER = "centre-manager", _("センター管理者")
    # Scoped to one event: sees its roster and checks people in, nothing else.
    EVENT_HELPER = "event-helper", _("催しの受付係")


class RoleGrant(models.Model):
    """A role a person holds, with its scope: every ward, one ward, or one centre."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("役割"), max_length=20, choices=Role.choices)
    ward = models.ForeignKey(
        "ledger.Ward", on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("区")
    )
    centre = models.ForeignKey(
        "facilities.Centre", on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("センター")
    )
    event = models.ForeignKey(
        "events.Event", on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("催し")
    )
    granted_at = models.DateTimeField(_("付与日時"), auto_now_add=True)

    objects = RoleGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("役割")
        verbose_name_plural = _("役割")
        constraints = [
            # The scope a role needs, and no other: the database refuses a ward-staff grant without a ward.
            models.CheckConstraint(
                condition=(
                    Q(role="city-admin")
                    & Q(ward__isnull=True)
                    & Q(centre__isnull=True)
                    & Q(event__isnull=True)
                )
                | (
                    Q(role="ward-staff")
                    & Q(ward__isnull=False)
                    & Q(centre__isnull=True)
                    & Q(event__isnull=True)
                )
                | (
                    Q(role="centre-manager")
                    & Q(ward__isnull=True)
                    & Q(centre__isnull=False)
                    & Q(event__isnull=True)
                )
                | (
                    Q(role="event-helper")
                    & Q(ward__isnull=True)
                    & Q(centre__isnull=True)
                    & Q(event__isnull=False)
                ),
                name="role_scope_matches_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role"], condition=Q(role="city-admin"), name="one_city_admin_grant"
            ),
            models.UniqueConstraint(
                fields=["user", "ward"], condition=Q(role="ward-staff"), name="one_ward_staff_grant_per_ward"
            ),
            models.UniqueConstraint(
                fields=["user", "centre"],
                condition=Q(role="centre-manager"),
                name="one_centre_manager_grant_per_centre",
            ),
            models.UniqueConstraint(
                fields=["user", "event"],
                condition=Q(role="event-helper"),
                name="one_event_helper_grant_per_event",
            ),
        ]

    def __str__(self) -> str:
        scope = self.ward or self.centre or self.event or _("全区")
        return f"{self.user} {self.get_role_display()}（{scope}）"


class CommunityGroup(models.Model):
    """団体: a neighbourhood association, a district council, an NPO, a circle or a company.

    Approval is a gate: an approved group gains rights (group bookings, grant
    applications), so ward staff review every registration.
    """

    class Kind(models.TextChoices):
        NEIGHBOURHOOD = "jichikai", _("自治会")
        DISTRICT_COUNCIL = "kouku", _("校区自治協議会")
        NPO = "npo", _("NPO")
        CIRCLE = "circle", _("サークル")
        COMPANY = "company", _("企業")

    class Status(models.TextChoices):
        PENDING = "pending", _("審査中")
        APPROVED = "approved", _("承認")
        DECLINED = "declined", _("不承認")

    name = models.CharField(_("団体名"), max_length=200)
    # The name as compared (machi.core.text.lookalike_key): the database holds one group per key and ward.
    name_key = models.CharField(max_length=400, editable=False)
    name_kana = models.CharField(_("団体名（かな）"), max_length=200, blank=True)
    kind = models.CharField(_("種別"), max_length=20, choices=Kind.choices)
    ward = models.ForeignKey(
        "ledger.Ward", on_delete=models.PROTECT, related_name="groups", verbose_name=_("区")
    )
    school_district = models.CharField(_("校区"), max_length=50, blank=True)
    representative = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="represented_groups",
        verbose_name=_("代表者"),
    )
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decline_reason = models.TextField(_("不承認の理由"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_groups",
        verbose_name=_("審査者"),
    )
    reviewed_at = models.DateTimeField(_("審査日時"), null=True, blank=True)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    objects = CommunityGroupQuerySet.as_manager()

    class Meta:
        ordering = ["ward__code", "name"]
        verbose_name = _("団体")
        verbose_name_plural = _("団体")
        constraints = [
            # A declined registration does not hold its name: the group may apply again. Names are
            # compared on their key, so a look-alike (ＡＢＣ, a Cyrillic А, a zero-width space) is the same name.
            models.UniqueConstraint(
                fields=["ward", "name_key"],
                condition=~Q(status="declined"),
                name="group_name_key_unique_in_ward",
                violation_error_message=_("この区には同じ名前の団体がすでに登録されています"),
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""), name="declined_group_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name_key = lookalike_key(self.name)
        if (fields := kwargs.get("update_fields")) is not None and "name" in fields:
            kwargs["update_fields"] = {*fields, "name_key"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.name_key = lookalike_key(self.name)  # before the constraints are validated


class GroupMember(models.Model):
    """A member on a group's list (a name, and the person's account where they have one)."""

    group = models.ForeignKey(CommunityGroup, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("氏名"), max_length=100)
    name_kana = models.CharField(_("氏名（かな）"), max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="memberships"
    )

    class Meta:
        ordering = ["group", "id"]
        verbose_name = _("構成員")
        verbose_name_plural = _("構成員")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"], condition=Q(user__isnull=False), name="member_once_per_group"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 digest is stored; the token is shown once, at creation."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名前"), max_length=100, blank=True)
    prefix = models.CharField(_("先頭の文字"), max_length=16)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最終利用日時"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("失効日時"), null=True, blank=True)
    expires_at = models.DateTimeField(_("有効期限"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("APIトークン")
        verbose_name_plural = _("APIトークン")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def active(self) -> bool:
        return self.revoked_at is None and not self.expired


class MailRequest(models.Model):
    """One mail asked for on an account page, counted against the hourly limits (`accounts.mail_limits`).

    `key` is a digest of the address or of the client's address, so the table holds no
    address itself; rows older than the window are deleted as new ones come.
    """

    key = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["key", "at"], name="mail_request_key_at"),
            models.Index(fields=["at"], name="mail_request_at"),
        ]

    def __str__(self) -> str:
        return f"{self.key[:8]} {self.at:%Y-%m-%d %H:%M}"


class IdempotentAnswer(models.Model):
    """The answer given to a write sent with an `Idempotency-Key`, so that sending it again gets it again.

    Written in the same transaction as the write itself (`machi.accounts.idempotency`): a crash
    leaves both or neither. One per person and key; kept at least `KEEP` (a daily task sweeps older
    ones). `digest` is the SHA-256 of the operation's request (its path's ids and its body), so the
    same key with another request is refused rather than answered with someone else's result.
    """

    KEEP = datetime.timedelta(hours=48)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    operation = models.CharField(max_length=50)
    digest = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(default=0)  # 0 while the write runs (never seen committed)
    body = models.TextField(blank=True)  # the JSON answer as sent, byte for byte
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]
        indexes = [models.Index(fields=["created_at"], name="idempotent_answer_created")]

    def __str__(self) -> str:
        return f"{self.operation} {self.key[:16]}"
