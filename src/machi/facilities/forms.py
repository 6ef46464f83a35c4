"""The forms of the booking pages. They check what a person typed; `actions.book` decides the rest.

A refusal from the action (a closed day, a taken block, the window not yet open, the
group's cap) is attached to the form as a non-field error, in the action's words.
"""

import datetime

from django import forms
from django.core.exceptions import BadRequest, ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from machi.accounts.forms import NamedRequiredMessages, clean_phone, nfkc
from machi.accounts.models import CommunityGroup
from machi.facilities.models import Centre, TimeBlock
from machi.facilities.queries import FIRST_DATE, LAST_DATE, counter_account
from machi.ledger.models import Ward

MAX_ATTENDEES = 10_000
NO_ACCOUNT_MATCH = _(
    "メールアドレスと電話番号が一致する利用者は見つかりませんでした。"
    "アカウントのない方として受け付けるには、お名前と電話番号を入力してください"
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _date_field(**kwargs):
    return forms.DateField(label=_("利用日"), widget=DateInput(), **kwargs)


class FreeRoomSearchForm(NamedRequiredMessages, forms.Form):
    """「この日のこの時間に空いている部屋」: across one ward's centres."""

    ward = forms.ModelChoiceField(
        label=_("区"), queryset=Ward.objects.none(), empty_label=_("選択してください")
    )
    date = _date_field()
    block = forms.ChoiceField(label=_("時間帯"))
    capacity = forms.IntegerField(
        label=_("人数"),
        required=False,
        min_value=1,
        max_value=MAX_ATTENDEES,
        help_text=_("入力すると、この人数が入れる部屋だけを表示します。"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ward"].queryset = Ward.objects.filter(centres__isnull=False).distinct().order_by("code")
        # One choice per block code; centres keep the same codes for the same part of the day.
        labels = {}
        for block in TimeBlock.objects.order_by("position", "code").only("code", "label"):
            labels.setdefault(block.code, block.display_label)
        self.fields["block"].choices = [("", gettext("選択してください")), *labels.items()]


class BookingForm(NamedRequiredMessages, forms.Form):
    """A booking of one room: the day, consecutive blocks, and what it is for."""

    date = _date_field()
    blocks = forms.MultipleChoiceField(
        label=_("利用区分"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("続けて使う場合は、連続した区分を選んでください。"),
    )
    group = forms.ModelChoiceField(
        label=_("予約する団体"),
        queryset=CommunityGroup.objects.none(),
        required=False,
        empty_label=_("個人で予約する"),
        help_text=_("団体で予約すると、団体の種別による使用料の減免を受けられることがあります。"),
    )
    purpose = forms.CharField(
        label=_("利用目的"), max_length=200, help_text=_("例：自治会の役員会、健康体操教室")
    )
    attendees = forms.IntegerField(
        label=_("利用人数"),
        min_value=1,
        max_value=MAX_ATTENDEES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, centre: Centre, room=None, groups=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["blocks"].choices = [(block.code, str(block)) for block in centre.blocks.all()]
        if room is not None:
            self.fields["attendees"].help_text = gettext("定員は%(capacity)d人です。") % {
                "capacity": room.capacity
            }
        if groups is None:
            del self.fields["group"]
        else:
            self.fields["group"].queryset = groups
            percents = dict(centre.exemptions.values_list("group_kind", "percent"))
            self.fields["group"].label_from_instance = lambda group: _group_label(group, percents)

    def clean_purpose(self):
        return nfkc(self.cleaned_data["purpose"])


def _group_label(group, percents: dict) -> str:
    """A group as a choice, with the 減免 its kind has at this centre: 白川一丁目自治会（自治会・使用料の減免 50%）."""
    kind = group.get_kind_display()
    if percent := percents.get(group.kind):
        return gettext("%(name)s（%(kind)s・使用料の減免 %(percent)d%%）") % {
            "name": group.name,
            "kind": kind,
            "percent": percent,
        }
    return gettext("%(name)s（%(kind)s・減免なし）") % {"name": group.name, "kind": kind}


class OnBehalfForm(BookingForm):
    """Counter or telephone booking by a manager: for an account holder, or for a caller without one."""

    account = forms.CharField(
        label=_("利用者のメールアドレス"),
        max_length=254,
        required=False,
        help_text=_(
            "アカウントをお持ちの方は、登録のメールアドレスを入力し、登録の電話番号を連絡先電話番号に入力してください。"
        ),
    )
    holder_name = forms.CharField(
        label=_("予約する方のお名前"),
        max_length=100,
        required=False,
        help_text=_("アカウントをお持ちでない方は、お名前と電話番号を入力してください。"),
    )
    holder_name.required_when = _("アカウントがない方は必須")
    holder_phone = forms.CharField(
        label=_("連絡先電話番号"),
        max_length=20,
        required=False,
        help_text=_("アカウントをお持ちの方は登録の電話番号です。例：096-123-4567"),
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    holder_phone.required_when = _("必須")  # for a caller without an account, and to find an account
    resident = forms.BooleanField(
        label=_("センターと同じ区にお住まい"),
        required=False,
        help_text=_(
            "アカウントがない方の区民の先行受付に使います。アカウントのある方は、区が確認した住所によります。"
        ),
    )

    room = forms.ModelChoiceField(label=_("部屋"), queryset=None, empty_label=_("選択してください"))

    field_order = ["account", "holder_name", "holder_phone", "resident", "group", "room", "date", "blocks"]

    def __init__(self, *args, centre: Centre, **kwargs):
        # The groups of the centre's ward only (the action refuses any other): staff see no other ward's.
        groups = CommunityGroup.objects.filter(status=CommunityGroup.Status.APPROVED, ward=centre.ward)
        groups = groups.select_related("ward")
        super().__init__(*args, centre=centre, groups=groups, **kwargs)
        self.fields["room"].queryset = centre.rooms.all()
        self.fields["room"].label_from_instance = lambda room: (
            gettext("%(name)s（定員%(capacity)d人）") % {"name": room.name, "capacity": room.capacity}
        )
        self.fields["group"].empty_label = _("団体としての予約ではない")
        self.fields["group"].help_text = _("団体として予約する場合に選んでください。")
        self.fields["group"].label_from_instance = lambda group: f"{group.name}（{group.ward.name}）"
        self.holder = None
        self.looked_up = False

    def clean_account(self):
        return nfkc(self.cleaned_data["account"])

    def clean_holder_name(self):
        return nfkc(self.cleaned_data["holder_name"])

    def clean_holder_phone(self):
        return clean_phone(self.cleaned_data["holder_phone"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("account") and not self.errors.get("holder_phone"):
            # Found by address and phone together; one answer for an unknown address and a wrong phone.
            self.looked_up = True  # staff's lookups of people are audited, found or not
            self.holder = counter_account(cleaned["account"], cleaned.get("holder_phone", ""))
            if self.holder is None:
                self.add_error("account", ValidationError(NO_ACCOUNT_MATCH, code="unknown_account"))
            return cleaned
        if not cleaned.get("holder_name"):
            self.add_error(
                "holder_name",
                ValidationError(
                    _("アカウントがない方は、予約する方のお名前を入力してください。"), code="name"
                ),
            )
        if not cleaned.get("holder_phone") and not self.errors.get("holder_phone"):
            self.add_error(
                "holder_phone",
                ValidationError(_("アカウントがない方は、連絡先電話番号を入力してください。"), code="phone"),
            )
        return cleaned


class DeclineForm(NamedRequiredMessages, forms.Form):
    reason = forms.CharField(
        label=_("不承認の理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("予約した方へのメールに記載されます。例：当日はセンターの行事で使用します。"),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("取消の理由"),
        max_length=200,
        required=False,
        help_text=_("予約した方へのメールに記載されます。"),
    )


def parse_day(value: str | None, default: datetime.date) -> datetime.date:
    """A YYYY-MM-DD from a query string, or the default where it is missing or not a date.

    A real date outside the years Machi handles is refused (400), not silently replaced.
    """
    try:
        day = datetime.date.fromisoformat(value or "")
    except ValueError:
        return default
    return _within_range(day, value)


def parse_month(value: str | None, default: datetime.date) -> datetime.date:
    """A YYYY-MM from a query string as the first of that month, or the default's month."""
    try:
        month = datetime.date.fromisoformat(f"{value}-01")
    except (ValueError, TypeError):
        return default.replace(day=1)
    return _within_range(month, value)


def _within_range(day: datetime.date, typed: str | None) -> datetime.date:
    if not FIRST_DATE <= day <= LAST_DATE:
        raise BadRequest(
            gettext("日付は%(first)s年から%(last)s年までで指定してください（%(value)s）")
            % {"first": FIRST_DATE.year, "last": LAST_DATE.year, "value": typed}
        )
    return day


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _moment_field(label):
    return forms.DateTimeField(
        label=label,
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M"],
    )


class LotteryScheduleForm(NamedRequiredMessages, forms.Form):
    """A lottery month's timetable and its number of choices; the action checks their order and the rules."""

    applications_open_at = _moment_field(_("申込開始"))
    applications_close_at = _moment_field(_("申込締切"))
    draw_at = _moment_field(_("抽選日時"))
    confirm_by = _moment_field(_("当選者の確認期限"))
    first_come_opens_at = _moment_field(_("空き枠の先着受付開始"))
    max_choices = forms.TypedChoiceField(
        label=_("希望の数"),
        coerce=int,
        choices=[(n, n) for n in range(1, 6)],
        help_text=_("1人（1団体）が順位をつけて出せる希望の数（1〜5）。"),
    )

    TIMES = ("applications_open_at", "applications_close_at", "draw_at", "confirm_by", "first_come_opens_at")

    @classmethod
    def initial_from(cls, schedule: dict, max_choices: int) -> dict:
        return {name: timezone.localtime(schedule[name]) for name in cls.TIMES} | {"max_choices": max_choices}


class BookingWindowForm(NamedRequiredMessages, forms.Form):
    """When first-come booking of a month opens at a centre."""

    window_months_ahead = forms.IntegerField(
        label=_("何か月先まで予約できるか"),
        min_value=0,
        max_value=12,
        help_text=_("例：2 なら、3月分の予約を1月から受け付けます。"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    window_opens_day = forms.IntegerField(
        label=_("受付開始日"),
        min_value=1,
        max_value=28,
        help_text=_("受付を始める月の何日か（1〜28）。"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    window_opens_time = forms.TimeField(
        label=_("受付開始時刻"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    resident_head_start_days = forms.IntegerField(
        label=_("区民の先行受付（日数）"),
        min_value=0,
        max_value=31,
        help_text=_("住所を区役所で確認済みの区民が、何日早く予約できるか（0〜31）。"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
