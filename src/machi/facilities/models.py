"""Community centres (地域コミュニティセンター), their rooms, and room bookings.

A booking takes one or more consecutive fixed blocks (午前 / 午後 / 夜間) of one
room on one day. Each block a booking holds is a `ReservationBlock` row with the
times it holds, and what cannot be booked twice is time: the database refuses an
active row whose times overlap another's of the same room and day, and a block
whose times overlap another block of its centre (`machi.facilities.time_guards`:
an exclusion constraint on PostgreSQL, a trigger on SQLite), whatever the Python
checks before it decided.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from machi.accounts.models import CommunityGroup
from machi.core.display import join_words, time_range
from machi.facilities.queries import ReservationQuerySet

WEEKDAY_LABELS = (
    "月火水木金土日"  # Monday first, as datetime.date.weekday() counts (the stored, importers' form)
)
# How a page names each weekday, in its language (Mon … Sun in English).
WEEKDAY_DISPLAY = (
    pgettext_lazy("曜日", "月"),
    pgettext_lazy("曜日", "火"),
    pgettext_lazy("曜日", "水"),
    pgettext_lazy("曜日", "木"),
    pgettext_lazy("曜日", "金"),
    pgettext_lazy("曜日", "土"),
    pgettext_lazy("曜日", "日"),
)


class Centre(models.Model):
    ward = models.ForeignKey(
        "ledger.Ward", on_delete=models.PROTECT, related_name="centres", verbose_name=_("区")
    )
    project = models.ForeignKey(
        "ledger.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="centres",
        verbose_name=_("事業"),
        help_text=_("予約システムの費用を負担し、利用実績を成果として受け取る台帳の事業"),
    )
    school_district = models.CharField(_("校区"), max_length=50, blank=True)
    name = models.CharField(_("名称"), max_length=200)
    name_kana = models.CharField(_("名称（かな）"), max_length=200, blank=True)
    name_common = models.CharField(_("通称"), max_length=200, blank=True)
    address = models.CharField(_("住所"), max_length=300, blank=True)
    address_extra = models.CharField(_("方書"), max_length=200, blank=True)
    latitude = models.DecimalField(_("緯度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("経度"), max_digits=9, decimal_places=6, null=True, blank=True)
    phone = models.CharField(_("電話番号"), max_length=20, blank=True)
    extension = models.CharField(_("内線番号"), max_length=20, blank=True)
    corporate_number = models.CharField(_("法人番号"), max_length=13, blank=True)
    operator = models.CharField(_("団体名"), max_length=200, blank=True)
    description = models.TextField(_("説明"), blank=True)
    barrier_free = models.TextField(_("バリアフリー情報"), blank=True)
    url = models.URLField(_("URL"), blank=True)
    notes = models.TextField(_("備考"), blank=True)

    # Opening days and hours
    open_weekdays = models.CharField(
        _("開館曜日"), max_length=7, default="0123456", help_text=_("0=月 … 6=日 の数字を並べる")
    )
    opens_at = models.TimeField(_("開館時刻"), default=datetime.time(9, 0))
    closes_at = models.TimeField(_("閉館時刻"), default=datetime.time(21, 0))
    closed_year_end = models.BooleanField(_("年末年始（12/29〜1/3）は休館"), default=True)
    closed_on_holidays = models.BooleanField(_("国民の祝日は休館"), default=False)

    # Booking rules
    window_months_ahead = models.PositiveSmallIntegerField(
        _("何か月先まで予約できるか"), default=2, validators=[MaxValueValidator(12)]
    )
    window_opens_day = models.PositiveSmallIntegerField(
        _("受付開始日"), default=1, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    window_opens_time = models.TimeField(_("受付開始時刻"), default=datetime.time(9, 0))
    resident_head_start_days = models.PositiveSmallIntegerField(
        _("区民の先行受付（日数）"), default=0, validators=[MaxValueValidator(31)]
    )
    cancel_deadline_days = models.PositiveSmallIntegerField(
        _("利用者が取り消せる期限（利用日の何日前まで）"), default=3
    )
    group_monthly_cap = models.PositiveSmallIntegerField(
        _("団体ごとの月間予約上限"), null=True, blank=True, help_text=_("空欄は上限なし")
    )

    class Meta:
        ordering = ["ward__code", "name_kana", "name"]
        verbose_name = _("地域コミュニティセンター")
        verbose_name_plural = _("地域コミュニティセンター")
        constraints = [
            models.UniqueConstraint(fields=["ward", "name"], name="centre_name_unique_in_ward"),
            models.CheckConstraint(
                condition=Q(opens_at__lt=F("closes_at")), name="centre_opens_before_closing"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def open_weekday_labels(self) -> str:
        """The opening weekdays as a page names them: 月・火・水 in Japanese, "Mon, Tue, Wed" in English."""
        return join_words(WEEKDAY_DISPLAY[int(d)] for d in sorted(set(self.open_weekdays)) if d.isdigit())

    @property
    def hours_label(self) -> str:
        """9:00〜21:00 in Japanese, 9:00–21:00 in English."""
        return time_range(self.opens_at, self.closes_at)


class TimeBlock(models.Model):
    """A fixed block of a centre's day (午前 9:00–12:00 …); every room of the centre is booked by these."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="blocks")
    code = models.SlugField(_("コード"), max_length=20)
    label = models.CharField(_("名称"), max_length=20)
    starts_at = models.TimeField(_("開始"))
    ends_at = models.TimeField(_("終了"))
    position = models.PositiveSmallIntegerField(_("順番"))

    class Meta:
        ordering = ["centre_id", "position"]  # by column: no join through centres and wards
        verbose_name = _("利用区分")
        verbose_name_plural = _("利用区分")
        constraints = [
            models.UniqueConstraint(fields=["centre", "code"], name="block_code_unique_in_centre"),
            models.UniqueConstraint(fields=["centre", "position"], name="block_position_unique_in_centre"),
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="block_starts_before_end"),
        ]

    def __str__(self) -> str:
        return pgettext("利用区分", "%(label)s（%(start)s〜%(end)s）") % {
            "label": self.display_label,
            "start": f"{self.starts_at:%H:%M}",
            "end": f"{self.ends_at:%H:%M}",
        }

    @property
    def display_label(self) -> str:
        """The block's name in the page's language: the standard 午前/午後/夜間 are the site's own words and
        are translated (Morning …); a name a centre gave its block is data, shown as stored."""
        standard = STANDARD_BLOCK_LABELS.get(self.label)
        return str(standard) if standard is not None else self.label

    @property
    def hours_label(self) -> str:
        """9:00〜12:00 in Japanese, 9:00–12:00 in English."""
        return time_range(self.starts_at, self.ends_at)

    def clean(self):
        # The readable refusal; the database's guard (time_guards) is the last word.
        if self.starts_at is None or self.ends_at is None or self.starts_at >= self.ends_at:
            return
        others = TimeBlock.objects.filter(centre_id=self.centre_id).exclude(pk=self.pk)
        clash = others.filter(starts_at__lt=self.ends_at, ends_at__gt=self.starts_at).first()
        if clash is not None:
            raise self.overlap_error(clash)

    def overlaps(self, other: "TimeBlock") -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at

    def overlap_error(self, other: "TimeBlock") -> ValidationError:
        return ValidationError(
            _("%(block)sは%(other)sと時間が重なります。利用区分どうしの時間は重ねられません")
            % {"block": self, "other": other},
            code="blocks_overlap",
        )

    @property
    def hours(self) -> float:
        start = datetime.datetime.combine(datetime.date.min, self.starts_at)
        end = datetime.datetime.combine(datetime.date.min, self.ends_at)
        return (end - start).total_seconds() / 3600


STANDARD_BLOCK_LABELS = {
    "午前": pgettext_lazy("利用区分", "午前"),
    "午後": pgettext_lazy("利用区分", "午後"),
    "夜間": pgettext_lazy("利用区分", "夜間"),
}


def time_runs(blocks) -> list[tuple[datetime.time, datetime.time]]:
    """The times a booking's blocks cover, each run of back-to-back blocks as one (start, end).

    午後 13:00–17:00 with 夜間 18:00–21:00 is two runs, since 17:00–18:00 is not booked."""
    runs: list[list[datetime.time]] = []
    for block in sorted(blocks, key=lambda b: b.starts_at):
        if runs and runs[-1][1] == block.starts_at:
            runs[-1][1] = block.ends_at
        else:
            runs.append([block.starts_at, block.ends_at])
    return [(start, end) for start, end in runs]


def times_label(blocks) -> str:
    """A booking's times as every page, mail, sheet, calendar and receipt shows them: 13:00〜17:00、18:00〜21:00."""
    from django.utils.translation import pgettext

    separator = pgettext("between time ranges", "、")
    return separator.join(time_range(start, end) for start, end in time_runs(blocks))


DEFAULT_BLOCKS = (
    ("morning", "午前", datetime.time(9, 0), datetime.time(12, 0)),
    ("afternoon", "午後", datetime.time(13, 0), datetime.time(17, 0)),
    ("evening", "夜間", datetime.time(18, 0), datetime.time(21, 0)),
)


class CentreStamp(models.Model):
    """A centre's rules' stamp: a new random value whenever the centre, its rooms, blocks, closed days,
    fee exemptions or lotteries change. Written only by the database's triggers; read by
    `machi.facilities.centre_rules` to know whether its kept copy of the rules is still the current one.
    No foreign key: the triggers of a centre's rows deleted with it may write after the centre is gone."""

    centre_id = models.BigIntegerField(primary_key=True)
    stamp = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.centre_id}: {self.stamp}"


class ClosedDay(models.Model):
    """An ad-hoc closure (点検、選挙の投票所 …), on top of the weekly, year-end and holiday rules."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="closed_days")
    date = models.DateField(_("日付"))
    reason = models.CharField(_("理由"), max_length=200)

    class Meta:
        ordering = ["centre_id", "date"]
        verbose_name = _("臨時休館日")
        verbose_name_plural = _("臨時休館日")
        constraints = [models.UniqueConstraint(fields=["centre", "date"], name="one_closure_per_centre_day")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.reason}"


class Room(models.Model):
    centre = models.ForeignKey(
        Centre, on_delete=models.CASCADE, related_name="rooms", verbose_name=_("センター")
    )
    name = models.CharField(_("部屋名"), max_length=100)
    capacity = models.PositiveIntegerField(_("定員"))
    equipment = models.CharField(_("設備"), max_length=300, blank=True)
    fee_per_block_yen = models.PositiveIntegerField(_("1区分の使用料（円）"), default=0)
    requires_approval = models.BooleanField(_("管理者の承認が必要"), default=False)
    max_blocks_per_booking = models.PositiveSmallIntegerField(
        _("1回に予約できる区分の数"), default=3, validators=[MinValueValidator(1)]
    )
    position = models.PositiveSmallIntegerField(_("表示順"), default=0)

    class Meta:
        ordering = ["centre_id", "position", "id"]
        verbose_name = _("部屋")
        verbose_name_plural = _("部屋")
        constraints = [
            models.UniqueConstraint(fields=["centre", "name"], name="room_name_unique_in_centre"),
            models.CheckConstraint(
                condition=Q(max_blocks_per_booking__gte=1), name="room_books_at_least_one_block"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.centre.name} {self.name}"


class FeeExemption(models.Model):
    """減免: the share of the fee a kind of group does not pay at this centre."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="exemptions")
    group_kind = models.CharField(_("団体の種別"), max_length=20, choices=CommunityGroup.Kind.choices)
    percent = models.PositiveSmallIntegerField(
        _("減免率（%）"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )

    class Meta:
        verbose_name = _("使用料の減免")
        verbose_name_plural = _("使用料の減免")
        constraints = [
            models.UniqueConstraint(fields=["centre", "group_kind"], name="one_exemption_per_group_kind"),
            models.CheckConstraint(
                condition=Q(percent__gte=1) & Q(percent__lte=100), name="exemption_percent_1_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_group_kind_display()} {self.percent}%"


class Reservation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("承認待ち")
        CONFIRMED = "confirmed", _("確定")
        WON = "won", _("当選（確認待ち）")
        DECLINED = "declined", _("不承認")
        CANCELLED = "cancelled", _("取消")
        NO_SHOW = "no_show", _("無断不使用")
        LAPSED = "lapsed", _("当選辞退（期限切れ）")

    # The statuses that hold their blocks; every other status has let them go.
    HOLDING = (Status.PENDING, Status.CONFIRMED, Status.WON, Status.NO_SHOW)

    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("部屋")
    )
    date = models.DateField(_("利用日"))
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reservations",
        verbose_name=_("予約者"),
    )
    holder_name = models.CharField(_("予約者名"), max_length=100, blank=True)
    holder_phone = models.CharField(_("連絡先電話番号"), max_length=20, blank=True)
    group = models.ForeignKey(
        CommunityGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reservations",
        verbose_name=_("団体"),
    )
    purpose = models.CharField(_("利用目的"), max_length=200, blank=True)
    attendees = models.PositiveIntegerField(_("利用人数"), null=True, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("受付者"),
        help_text=_("空欄はシステム（デモデータ・抽選）"),
    )
    on_behalf = models.BooleanField(_("窓口・電話での代理予約"), default=False)
    fee_yen = models.PositiveIntegerField(_("使用料（円）"))
    exemption_yen = models.PositiveIntegerField(_("減免額（円）"), default=0)
    lottery = models.ForeignKey(
        "facilities.Lottery", on_delete=models.PROTECT, null=True, blank=True, related_name="reservations"
    )
    confirm_by = models.DateTimeField(_("当選の確認期限"), null=True, blank=True)
    created_at = models.DateTimeField(_("申込日時"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("承認・不承認の日時"), null=True, blank=True)
    decline_reason = models.TextField(_("不承認の理由"), blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("取消日時"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消の理由"), max_length=200, blank=True)

    objects = ReservationQuerySet.as_manager()

    class Meta:
        ordering = ["date", "room", "id"]
        verbose_name = _("予約")
        verbose_name_plural = _("予約")
        constraints = [
            models.CheckConstraint(
                condition=Q(holder__isnull=False) | ~Q(holder_name=""), name="reservation_has_a_holder"
            ),
            models.CheckConstraint(condition=Q(exemption_yen__lte=F("fee_yen")), name="exemption_within_fee"),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="declined_reservation_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["room", "date"]), models.Index(fields=["holder", "date"])]

    def __str__(self) -> str:
        return f"{self.room} {self.date:%Y-%m-%d}"

    # The statuses that end a booking before it is used: nothing is owed for them.
    ENDED_UNUSED = (Status.DECLINED, Status.CANCELLED, Status.LAPSED)

    @property
    def payable_yen(self) -> int:
        """What the holder pays at the counter: the fee less the 減免, or nothing once the booking has ended unused."""
        if self.status in self.ENDED_UNUSED:
            return 0
        return self.fee_yen - self.exemption_yen

    @property
    def owes_fee(self) -> bool:
        return self.status not in self.ENDED_UNUSED

    @property
    def receipt_number(self) -> str:
        return f"M{self.date:%Y}-{self.pk:07d}"

    @property
    def holder_label(self) -> str:
        if self.group_id:
            return self.group.name
        if self.holder_id:
            return str(self.holder)
        return self.holder_name


class ReservationBlock(models.Model):
    """One block held by one booking, with the times it holds (the block's when booked).

    Two active rows of one room and day never overlap in time: an exclusion constraint on
    PostgreSQL, triggers on SQLite (`time_guards`, installed by migration 0006). A migration
    that remakes this table on SQLite drops its triggers, so it must install them again.
    """

    reservation = models.ForeignKey(Reservation, on_delete=models.CASCADE, related_name="held_blocks")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    block = models.ForeignKey(TimeBlock, on_delete=models.PROTECT, related_name="+")
    starts_at = models.TimeField()
    ends_at = models.TimeField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["date", "block__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["room", "date", "block"],
                condition=Q(active=True),
                name="one_active_booking_per_room_block",
            ),
            models.UniqueConstraint(fields=["reservation", "block"], name="block_once_per_reservation"),
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="held_starts_before_end"),
        ]

    def __str__(self) -> str:
        return f"{self.room_id} {self.date:%Y-%m-%d} {self.block_id}"

    @classmethod
    def holding(cls, reservation: "Reservation", block: "TimeBlock") -> "ReservationBlock":
        """The row by which `reservation` holds `block`, with its times as they are now (not yet saved)."""
        return cls(
            reservation=reservation,
            room_id=reservation.room_id,
            date=reservation.date,
            block=block,
            starts_at=block.starts_at,
            ends_at=block.ends_at,
        )


class Lottery(models.Model):
    """抽選: first-come booking of a centre's target month waits for this draw.

    The seed is drawn when the lottery is set up and only its SHA-256 digest is shown
    while applications are open; it is revealed when the window closes, so anyone can
    re-run the draw from the published seed and the kept log, and no one could have
    known it in advance.
    """

    centre = models.ForeignKey(
        Centre, on_delete=models.CASCADE, related_name="lotteries", verbose_name=_("センター")
    )
    month = models.DateField(_("対象月"), help_text=_("対象月の1日"))
    applications_open_at = models.DateTimeField(_("申込開始"))
    applications_close_at = models.DateTimeField(_("申込締切"))
    draw_at = models.DateTimeField(_("抽選日時"))
    confirm_by = models.DateTimeField(_("当選者の確認期限"))
    first_come_opens_at = models.DateTimeField(_("空き枠の先着受付開始"))
    max_choices = models.PositiveSmallIntegerField(
        _("希望の数"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    seed = models.CharField(max_length=64, editable=False)
    seed_digest = models.CharField(_("乱数の種のハッシュ（SHA-256）"), max_length=64, editable=False)
    drawn_at = models.DateTimeField(_("抽選実施日時"), null=True, blank=True)
    draw_log = models.JSONField(_("抽選の記録"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-month", "centre_id"]
        verbose_name = _("抽選")
        verbose_name_plural = _("抽選")
        constraints = [
            models.UniqueConstraint(fields=["centre", "month"], name="one_lottery_per_centre_month"),
            models.CheckConstraint(
                condition=Q(applications_open_at__lt=F("applications_close_at"))
                & Q(applications_close_at__lte=F("draw_at"))
                & Q(draw_at__lt=F("confirm_by"))
                & Q(confirm_by__lte=F("first_come_opens_at")),
                name="lottery_steps_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.centre.name} {self.month:%Y年%-m月}分 抽選"


class LotteryEntry(models.Model):
    """One application to a lottery: one per person and one per group."""

    lottery = models.ForeignKey(Lottery, on_delete=models.CASCADE, related_name="entries")
    # None once the entry is past its retention period (machi.facilities.privacy): the draw's log keeps the id.
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lottery_entries",
    )
    group = models.ForeignKey(
        CommunityGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="lottery_entries"
    )
    created_at = models.DateTimeField(_("申込日時"), auto_now_add=True)

    class Meta:
        ordering = ["lottery", "id"]
        verbose_name = _("抽選の申込")
        verbose_name_plural = _("抽選の申込")
        constraints = [
            models.UniqueConstraint(fields=["lottery", "applicant"], name="one_entry_per_person"),
            models.UniqueConstraint(
                fields=["lottery", "group"], condition=Q(group__isnull=False), name="one_entry_per_group"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lottery} {self.group or self.applicant}"


class LotteryChoice(models.Model):
    """A ranked wish: a room, a day and consecutive blocks. `won` is the booking the draw made for it."""

    entry = models.ForeignKey(LotteryEntry, on_delete=models.CASCADE, related_name="choices")
    rank = models.PositiveSmallIntegerField(_("希望順位"), validators=[MinValueValidator(1)])
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("利用日"))
    blocks = models.ManyToManyField(TimeBlock, related_name="+")
    won = models.OneToOneField(
        Reservation, on_delete=models.SET_NULL, null=True, blank=True, related_name="lottery_choice"
    )

    class Meta:
        ordering = ["entry", "rank"]
        constraints = [models.UniqueConstraint(fields=["entry", "rank"], name="one_choice_per_rank")]

    def __str__(self) -> str:
        return f"{self.entry} 第{self.rank}希望"
