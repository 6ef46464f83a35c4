"""Events, courses and drills (催し・講座・訓練) that ledger projects pay for, their sessions and registrations.

The database holds the lines that must never be crossed, on SQLite and PostgreSQL alike: the seats
taken never exceed the capacity (nor fall below 0), the registration window is in order, a party is
at least one person, a session ends after it starts, a registration's code is unique, and a person
holds at most one active (confirmed or waiting) registration per event. The actions
(`machi.events.actions`) check the same rules first only to say why in words.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from machi.ledger.models import ExpenseSection

# Read aloud over the phone: no 0/O, no 1/I.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


class EventQuerySet(models.QuerySet):
    def published(self):
        """The events the public sees: published, closed to registration, or held (not drafts, not cancelled)."""
        return self.filter(status__in=Event.PUBLIC_STATUSES)


class Event(models.Model):
    class Kind(models.TextChoices):
        COURSE = "course", _("講座")
        LECTURE = "lecture", _("講演会")
        TRAINING = "training", _("研修会")
        WORKSHOP = "workshop", _("ワークショップ")
        DRILL = "drill", _("訓練")
        FESTIVAL = "festival", _("まつり・大会")
        CONSULTATION = "consultation", _("相談会")
        OTHER = "other", _("その他")

    class WhoMayCome(models.TextChoices):
        ANYONE = "anyone", _("どなたでも")
        WARD_RESIDENTS = "ward_residents", _("区内にお住まいの方")

    class Allocation(models.TextChoices):
        FIRST_COME = "first_come", _("先着順")
        LOTTERY = "lottery", _("抽選")

    class Status(models.TextChoices):
        DRAFT = "draft", _("下書き")
        # A group's event waits for its ward's staff to approve it before the public sees it.
        PENDING_APPROVAL = "pending", _("承認待ち")
        PUBLISHED = "published", _("受付中")
        CLOSED = "closed", _("受付終了")
        HELD = "held", _("開催済み")
        CANCELLED = "cancelled", _("中止")

    PUBLIC_STATUSES = (Status.PUBLISHED, Status.CLOSED, Status.HELD)

    project = models.ForeignKey(
        "ledger.Project", on_delete=models.PROTECT, related_name="events", verbose_name=_("事業")
    )
    ward = models.ForeignKey(
        "ledger.Ward", on_delete=models.PROTECT, related_name="events", verbose_name=_("区")
    )
    kind = models.CharField(_("種類"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("名称"), max_length=200)
    title_kana = models.CharField(_("名称（かな）"), max_length=200)
    title_en = models.CharField(_("名称（英語）"), max_length=200, blank=True)
    description = models.TextField(_("内容"), blank=True)
    organiser_group = models.ForeignKey(
        "accounts.CommunityGroup",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("主催団体"),
        help_text=_("空欄は区役所の主催"),
    )
    contact = models.CharField(_("問い合わせ先"), max_length=200, blank=True)
    # Publishing the event holds the room's blocks for each session through the facilities booking
    # guarantee (`EventSession.venue_booking`), so a resident can never book over it.
    venue_room = models.ForeignKey(
        "facilities.Room",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("会場（部屋）"),
    )
    venue_name = models.CharField(_("会場名"), max_length=200, blank=True)
    venue_address = models.CharField(_("会場の住所"), max_length=300, blank=True)
    latitude = models.DecimalField(_("緯度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("経度"), max_digits=9, decimal_places=6, null=True, blank=True)
    capacity_seats = models.PositiveIntegerField(_("定員（席）"))
    max_party = models.PositiveSmallIntegerField(_("1件で申し込める人数"), default=1)
    waitlist = models.BooleanField(_("キャンセル待ちを受け付ける"), default=True)
    fee_yen = models.PositiveIntegerField(_("参加費（円）"), null=True, blank=True, help_text=_("空欄は無料"))
    who_may_come = models.CharField(
        _("対象"), max_length=20, choices=WhoMayCome.choices, default=WhoMayCome.ANYONE
    )
    min_age = models.PositiveSmallIntegerField(_("対象年齢（下限）"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("対象年齢（上限）"), null=True, blank=True)
    accessibility = models.TextField(_("配慮（段差・手話通訳・託児）"), blank=True)
    allocation = models.CharField(
        _("参加者の決め方"), max_length=20, choices=Allocation.choices, default=Allocation.FIRST_COME
    )
    registration_opens_at = models.DateTimeField(_("申込開始"))
    registration_closes_at = models.DateTimeField(_("申込締切"))
    cancel_until = models.DateTimeField(_("取消の期限"))
    status = models.CharField(_("状態"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    seats_taken = models.PositiveIntegerField(_("確定した席数"), default=0)
    decline_reason = models.TextField(_("承認しなかった理由"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承認者"),
    )
    approved_at = models.DateTimeField(_("承認日時"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("中止日時"), null=True, blank=True)
    cancel_reason = models.TextField(_("中止の理由"), blank=True)
    # The lottery (allocation = lottery): the seed is drawn when the event is published and only its
    # SHA-256 digest is shown until registration closes; the draw's log is kept so anyone can re-run it.
    lottery_seed = models.CharField(max_length=64, blank=True, editable=False)
    lottery_seed_digest = models.CharField(_("乱数の種のハッシュ（SHA-256）"), max_length=64, blank=True)
    lottery_drawn_at = models.DateTimeField(_("抽選日時"), null=True, blank=True)
    lottery_log = models.JSONField(_("抽選の記録"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("作成者"),
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("催し")
        verbose_name_plural = _("催し")
        constraints = [
            models.CheckConstraint(
                condition=Q(seats_taken__gte=0) & Q(seats_taken__lte=F("capacity_seats")),
                name="events_seats_within_capacity",
            ),
            models.CheckConstraint(condition=Q(capacity_seats__gte=1), name="events_capacity_positive"),
            models.CheckConstraint(condition=Q(max_party__gte=1), name="events_party_at_least_one"),
            models.CheckConstraint(
                condition=Q(registration_closes_at__gt=F("registration_opens_at")),
                name="events_registration_window_in_order",
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(min_age__lte=F("max_age")),
                name="events_ages_in_order",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def seats_left(self) -> int:
        return self.capacity_seats - self.seats_taken


class EventSession(models.Model):
    """One meeting of an event: a course is a series, and its registration covers every session."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("催し")
    )
    starts_at = models.DateTimeField(_("開始"))
    ends_at = models.DateTimeField(_("終了"))
    position = models.PositiveSmallIntegerField(_("回"), default=1)
    # The room's blocks this session holds (events in a Machi room, from publishing until cancelled).
    venue_booking = models.OneToOneField(
        "facilities.Reservation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="event_session",
        verbose_name=_("会場の予約"),
    )

    class Meta:
        verbose_name = _("開催回")
        verbose_name_plural = _("開催回")
        ordering = ["position", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="events_session_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.event} #{self.position}"


class EventQuestion(models.Model):
    """A question of the event's own, asked on registration: free text, or one of its choices."""

    class Kind(models.TextChoices):
        TEXT = "text", _("記述")
        CHOICE = "choice", _("選択")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="questions", verbose_name=_("催し")
    )
    position = models.PositiveSmallIntegerField(_("順番"), default=1)
    text = models.CharField(_("質問"), max_length=200)
    kind = models.CharField(_("回答の形式"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    # One choice per line (kind = choice).
    choices = models.TextField(_("選択肢（1行に1つ）"), blank=True)
    required = models.BooleanField(_("回答必須"), default=False)

    class Meta:
        verbose_name = _("申込時の質問")
        verbose_name_plural = _("申込時の質問")
        ordering = ["position", "id"]

    def __str__(self):
        return self.text

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("確定")
        WAITLISTED = "waitlisted", _("キャンセル待ち")
        # Entered in the event's lottery: holds no seat until the draw.
        ENTERED = "entered", _("抽選待ち")
        CANCELLED = "cancelled", _("取消")

    ACTIVE = (Status.CONFIRMED, Status.WAITLISTED, Status.ENTERED)

    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("催し")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="event_registrations",
        verbose_name=_("申込者"),
        help_text=_("電話や窓口で受けた申込では空欄"),
    )
    caller_name = models.CharField(_("申込者の氏名"), max_length=100, blank=True)
    caller_kana = models.CharField(_("申込者の氏名（かな）"), max_length=100, blank=True)
    caller_phone = models.CharField(_("申込者の電話番号"), max_length=30, blank=True)
    party_size = models.PositiveSmallIntegerField(_("人数"))
    status = models.CharField(_("状態"), max_length=20, choices=Status.choices)
    code = models.CharField(_("受付番号"), max_length=12, unique=True)
    on_behalf = models.BooleanField(_("代理の申込"), default=False)
    walk_in = models.BooleanField(_("当日参加"), default=False)
    # The answers to the event's own questions: {question id (as text): answer}.
    answers = models.JSONField(_("質問への回答"), default=dict, blank=True)
    # The lottery: the entry's tier (1 = first) and its place in the drawn order.
    lottery_tier = models.PositiveSmallIntegerField(_("抽選の優先順位"), null=True, blank=True)
    drawn_position = models.PositiveIntegerField(_("抽選の順位"), null=True, blank=True)
    promoted_at = models.DateTimeField(_("繰り上げ日時"), null=True, blank=True)
    # Set when the event is closed as held: confirmed, and checked in at no session.
    no_show = models.BooleanField(_("欠席"), default=False)
    fee_paid_yen = models.PositiveIntegerField(_("受け取った参加費（円）"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("受付者"),
    )
    created_at = models.DateTimeField(_("申込日時"), auto_now_add=True)
    waitlisted_at = models.DateTimeField(_("キャンセル待ちの登録日時"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("参加申込")
        verbose_name_plural = _("参加申込")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "person"],
                condition=Q(status__in=["confirmed", "waitlisted", "entered"]),
                name="events_one_active_registration_per_person",
            ),
            models.CheckConstraint(condition=Q(party_size__gte=1), name="events_party_size_at_least_one"),
        ]
        indexes = [models.Index(fields=["event", "status", "waitlisted_at"], name="events_waiting_order")]

    def __str__(self):
        return self.code


class CheckIn(models.Model):
    """One person's party checked in at one session; the database keeps it to one per registration and session.

    A phone that retries sends the same `nonce`, which the database also keeps unique, so a retry is
    answered with the check-in it already made.
    """

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="checkins", verbose_name=_("参加申込")
    )
    session = models.ForeignKey(
        EventSession, on_delete=models.PROTECT, related_name="checkins", verbose_name=_("開催回")
    )
    checked_in_at = models.DateTimeField(_("受付日時"), auto_now_add=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("受付者"),
    )
    nonce = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("出席受付")
        verbose_name_plural = _("出席受付")
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "session"], name="events_one_checkin_per_session"
            ),
        ]

    def __str__(self):
        return f"{self.registration} @ {self.session}"


class EventExpense(models.Model):
    """Money an event spent, by 節; it posts to its project's settled figure through the ledger's figure change."""

    Section = ExpenseSection  # the ledger's one list of 節

    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, related_name="expenses", verbose_name=_("催し")
    )
    section = models.CharField(_("節"), max_length=20, choices=Section.choices)
    payee = models.CharField(_("支払先"), max_length=200)
    paid_on = models.DateField(_("支払日"))
    amount_yen = models.PositiveBigIntegerField(_("金額（円）"))
    note = models.CharField(_("摘要"), max_length=200, blank=True)
    figure_change = models.ForeignKey(
        "ledger.FigureChange",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("決算額への計上"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("記録者"),
    )
    recorded_at = models.DateTimeField(_("記録日時"), auto_now_add=True)
    # Withdrawn (a mistake, or corrected by a new expense): the row stays, and its amount is taken off
    # 決算額 by a second, reversing figure change; the ledger's history keeps both.
    withdrawn_at = models.DateTimeField(_("取消日時"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("取消者"),
    )
    withdrawal_reason = models.CharField(_("取消の理由"), max_length=200, blank=True)
    withdrawal_change = models.ForeignKey(
        "ledger.FigureChange",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("決算額からの取消"),
    )
    corrected_by = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrects",
        verbose_name=_("訂正後の支出"),
    )

    class Meta:
        verbose_name = _("催しの支出")
        verbose_name_plural = _("催しの支出")
        ordering = ["paid_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_yen__gte=1), name="events_expense_positive"),
        ]

    def __str__(self):
        return f"{self.event} {self.get_section_display()} {self.amount_yen}"
