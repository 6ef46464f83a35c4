"""The forms of the events pages. They check what a person typed; `machi.events.actions` decides the rest.

Numbers, dates and times accept full-width digits (１２, ２０２６－１１－０３), read through the same
NFKC as every Machi form (`accounts.forms.nfkc`); a fee reads as the grants' yen
(`grants.forms.YenField`). A refusal from an action (the registration window after the first
session, a party over the limit, a required question left empty) is attached to the form as a
non-field error, in the action's own words.
"""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from machi.accounts.forms import NamedRequiredMessages, clean_kana, clean_phone, nfkc
from machi.events.actions import QuestionInput
from machi.events.models import Event, EventQuestion
from machi.grants.forms import LOCAL_MOMENT, LocalMomentField, YenField

SESSION_ROWS = 4
QUESTION_ROWS = 2
MAX_SEATS = 100_000


class Nfkc:
    """Read a typed value through NFKC first: full-width digits, hyphens and colons become ASCII."""

    def to_python(self, value):
        return super().to_python(nfkc(value) if isinstance(value, str) else value)


class NumberField(Nfkc, forms.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
        super().__init__(**kwargs)


class CoordinateField(Nfkc, forms.DecimalField):
    def __init__(self, **kwargs):
        super().__init__(
            max_digits=9,
            decimal_places=6,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            **kwargs,
        )


class MomentField(Nfkc, LocalMomentField):
    pass


class DayField(Nfkc, forms.DateField):
    def __init__(self, **kwargs):
        super().__init__(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs)


class ClockField(Nfkc, forms.TimeField):
    def __init__(self, **kwargs):
        super().__init__(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), **kwargs)


# --- The public listing -----------------------------------------------------------------------


class ListingForm(forms.Form):
    """The listing's filters (GET): ward, month, kind, free seats only, words."""

    ward = forms.ModelChoiceField(label=_("区"), queryset=None, required=False, empty_label=_("すべての区"))
    month = forms.CharField(
        label=_("開催月"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"}),
    )
    kind = forms.ChoiceField(label=_("種類"), required=False)
    free = forms.BooleanField(label=_("空きのある催しだけ"), required=False)
    q = forms.CharField(label=_("ことば"), required=False, max_length=100)

    def __init__(self, *args, wards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ward"].queryset = wards
        self.fields["kind"].choices = [("", gettext("すべての種類")), *Event.Kind.choices]

    def clean_month(self) -> datetime.date | None:
        text = nfkc(self.cleaned_data["month"]).replace("/", "-").replace("年", "-").removesuffix("月")
        if not text:
            return None
        try:
            year, month = (int(part) for part in text.split("-"))
            return datetime.date(year, month, 1) if 2000 <= year <= 2199 else None
        except ValueError:
            return None

    def clean_q(self) -> str:
        return nfkc(self.cleaned_data["q"])


# --- Registering ------------------------------------------------------------------------------


class RegistrationForm(NamedRequiredMessages, forms.Form):
    """A party for an event, the event's own questions, and (where it has ages) the age confirmation.

    The questions' answers are checked by the action (`clean_answers`), the one check the API shares;
    a required one carries the 必須 mark here."""

    party_size = forms.TypedChoiceField(label=_("参加する人数"), coerce=int)
    age_confirmed = forms.BooleanField(label="", required=False)

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.fields["party_size"].choices = [
            (n, gettext("%(n)s人") % {"n": n}) for n in range(1, event.max_party + 1)
        ]
        if event.max_party == 1:
            self.fields["party_size"].widget = forms.HiddenInput()
            self.fields["party_size"].initial = 1
        if event.min_age is None and event.max_age is None:
            del self.fields["age_confirmed"]
        else:
            field = self.fields["age_confirmed"]
            field.required = True
            field.label = gettext("参加する方は全員、対象年齢（%(ages)s）です") % {"ages": age_range(event)}
            field.error_messages["required"] = gettext("対象年齢を確認して、チェックを入れてください。")
        for question in event.questions.all():
            name = f"q_{question.pk}"
            if question.kind == EventQuestion.Kind.CHOICE:
                # The action checks the answer is one of the choices (the same check as the API's).
                field = forms.CharField(
                    label=question.text,
                    required=False,
                    widget=forms.RadioSelect(choices=[(choice, choice) for choice in question.choice_list]),
                )
            else:
                field = forms.CharField(
                    label=question.text,
                    required=False,
                    max_length=1000,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
            if question.required:
                field.required_when = gettext("必須")
            self.fields[name] = field

    def answers(self) -> dict[str, str]:
        return {
            name.removeprefix("q_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("q_") and value
        }


class CallerForm(RegistrationForm):
    """A caller registered by ward staff, by phone or at the counter: name, kana, phone, then the party."""

    caller_name = forms.CharField(label=_("申し込む方のお名前"), max_length=100)
    caller_kana = forms.CharField(
        label=_("お名前（かな）"), max_length=100, required=False, help_text=_("名簿の検索に使います")
    )
    caller_phone = forms.CharField(
        label=_("電話番号"), max_length=30, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )

    field_order = ["caller_name", "caller_kana", "caller_phone", "party_size"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "age_confirmed" in self.fields:
            self.fields["age_confirmed"].label = gettext(
                "対象年齢（%(ages)s）であることを電話で確認しました"
            ) % {"ages": age_range(self.event)}

    def clean_caller_name(self):
        return nfkc(self.cleaned_data["caller_name"])

    def clean_caller_kana(self):
        return clean_kana(self.cleaned_data["caller_kana"])

    def clean_caller_phone(self):
        return clean_phone(self.cleaned_data["caller_phone"])


def age_range(event: Event) -> str:
    if event.min_age is not None and event.max_age is not None:
        return gettext("%(min)s歳から%(max)s歳") % {"min": event.min_age, "max": event.max_age}
    if event.min_age is not None:
        return gettext("%(min)s歳以上") % {"min": event.min_age}
    if event.max_age is not None:
        return gettext("%(max)s歳以下") % {"max": event.max_age}
    return ""


class ReasonForm(NamedRequiredMessages, forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["reason"].label = label
            self.fields["reason"].error_messages["required"] = gettext("%(label)sを入力してください。") % {
                "label": label
            }


# --- Creating and editing an event ------------------------------------------------------------


class EventForm(NamedRequiredMessages, forms.Form):
    """An event as ward staff (or an organising group) write it; the sessions and questions are formsets."""

    project = forms.ModelChoiceField(label=_("事業"), queryset=None, empty_label=_("選択してください"))
    kind = forms.ChoiceField(label=_("種類"), choices=Event.Kind.choices)
    title = forms.CharField(label=_("名称"), max_length=200, help_text=_("例：はじめての防災講座"))
    title_kana = forms.CharField(label=_("名称（かな）"), max_length=200)
    title_en = forms.CharField(label=_("名称（英語）"), max_length=200, required=False)
    description = forms.CharField(label=_("内容"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    organiser_group = forms.ModelChoiceField(
        label=_("主催団体"), queryset=None, required=False, empty_label=_("区役所の主催")
    )
    contact = forms.CharField(
        label=_("問い合わせ先"),
        max_length=200,
        required=False,
        help_text=_("例：中央区役所 まちづくり推進課 096-000-0000"),
    )
    venue_room = forms.ModelChoiceField(
        label=_("会場（センターの部屋）"),
        queryset=None,
        required=False,
        empty_label=_("センターの部屋は使わない"),
    )
    venue_name = forms.CharField(
        label=_("会場名（センター以外）"), max_length=200, required=False, help_text=_("例：白川公園")
    )
    venue_address = forms.CharField(label=_("会場の住所"), max_length=300, required=False)
    latitude = CoordinateField(label=_("緯度"), required=False, help_text=_("例：32.803"))
    longitude = CoordinateField(label=_("経度"), required=False, help_text=_("例：130.708"))
    capacity_seats = NumberField(label=_("定員（人）"), max_value=MAX_SEATS)
    max_party = NumberField(
        label=_("1件で申し込める人数"),
        initial=1,
        max_value=MAX_SEATS,
        help_text=_("家族などでまとめて申し込める人数の上限"),
    )
    waitlist = forms.BooleanField(
        label=_("満席のときキャンセル待ちを受け付ける"), required=False, initial=True
    )
    fee_yen = YenField(label=_("参加費（円）"), required=False, help_text=_("空欄は無料。当日受付でお支払い"))
    who_may_come = forms.ChoiceField(label=_("対象"), choices=Event.WhoMayCome.choices)
    min_age = NumberField(label=_("対象年齢（下限）"), required=False, min_value=0, max_value=120)
    max_age = NumberField(label=_("対象年齢（上限）"), required=False, min_value=0, max_value=120)
    accessibility = forms.CharField(
        label=_("配慮（段差・手話通訳・託児）"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    allocation = forms.ChoiceField(label=_("参加者の決め方"), choices=Event.Allocation.choices)
    registration_opens_at = MomentField(label=_("申込開始"))
    registration_closes_at = MomentField(label=_("申込締切"))
    cancel_until = MomentField(
        label=_("取消の期限"), help_text=_("この日時まで、申し込んだ方がご自分で取り消せます")
    )

    def __init__(self, *args, projects, groups=None, rooms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects
        self.fields["project"].label_from_instance = lambda project: (
            f"{project.programme.ward.name} {project.programme.fiscal_year_label} {project.name}"
        )
        if groups is None:
            del self.fields["organiser_group"]
        else:
            self.fields["organiser_group"].queryset = groups
        self.fields["venue_room"].queryset = rooms
        self.fields["venue_room"].label_from_instance = lambda room: (
            gettext("%(centre)s %(room)s（定員%(capacity)s人）")
            % {"centre": room.centre.name, "room": room.name, "capacity": room.capacity}
        )

    def clean_title_kana(self):
        return clean_kana(self.cleaned_data["title_kana"])

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("venue_room") and not data.get("venue_name"):
            self.add_error(
                "venue_name", gettext("会場の部屋を選ぶか、センター以外の会場名を入力してください。")
            )
        if data.get("venue_room"):
            data["venue_name"] = data["venue_name"] or ""
        return data

    def values(self) -> dict:
        """The event's fields for the action (after is_valid)."""
        data = dict(self.cleaned_data)
        data["max_party"] = data.get("max_party") or 1
        for name in ("title_en", "description", "contact", "venue_name", "venue_address", "accessibility"):
            data[name] = data.get(name) or ""
        return data


class SessionRowForm(forms.Form):
    """One meeting: the day, from, to. A row left empty is skipped."""

    day = DayField(label=_("開催日"), required=False)
    starts = ClockField(label=_("開始"), required=False)
    ends = ClockField(label=_("終了"), required=False)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        day, starts, ends = data.get("day"), data.get("starts"), data.get("ends")
        if day is None and starts is None and ends is None:
            data["empty"] = True
        elif day is None or starts is None or ends is None:
            self.add_error(None, gettext("開催日、開始、終了をすべて入力してください。"))
        return data

    def moments(self) -> tuple[datetime.datetime, datetime.datetime]:
        data = self.cleaned_data
        zone = timezone.get_current_timezone()
        return (
            datetime.datetime.combine(data["day"], data["starts"], tzinfo=zone),
            datetime.datetime.combine(data["day"], data["ends"], tzinfo=zone),
        )


class QuestionRowForm(forms.Form):
    """A question of the event's own. A row without a question is skipped."""

    text = forms.CharField(label=_("質問"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("回答の形式"), choices=EventQuestion.Kind.choices, required=False)
    choices = forms.CharField(
        label=_("選択肢（1行に1つ）"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    required = forms.BooleanField(label=pgettext_lazy("question", "回答必須"), required=False)


def event_formsets(data=None, event: Event | None = None):
    """The sessions' and questions' rows: the event's own (when editing), then empty rows."""
    sessions, questions = [], []
    if event is not None:
        for session in event.sessions.all():
            starts, ends = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
            sessions.append({"day": starts.date(), "starts": starts.time(), "ends": ends.time()})
        questions = [
            {"text": q.text, "kind": q.kind, "choices": q.choices, "required": q.required}
            for q in event.questions.all()
        ]
    session_rows = max(SESSION_ROWS, len(sessions) + 1)
    question_rows = len(questions) + QUESTION_ROWS
    session_set = forms.formset_factory(
        SessionRowForm, extra=session_rows - len(sessions), max_num=50, absolute_max=50
    )
    question_set = forms.formset_factory(
        QuestionRowForm, extra=question_rows - len(questions), max_num=10, absolute_max=10
    )
    return (
        session_set(data, prefix="sessions", initial=sessions or None),
        question_set(data, prefix="questions", initial=questions or None),
    )


def session_moments(formset) -> list[tuple[datetime.datetime, datetime.datetime]]:
    return [
        form.moments() for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("empty")
    ]


def question_inputs(formset) -> list[QuestionInput]:
    return [
        QuestionInput(
            text=form.cleaned_data["text"],
            kind=form.cleaned_data.get("kind") or EventQuestion.Kind.TEXT,
            choices=form.cleaned_data.get("choices") or "",
            required=bool(form.cleaned_data.get("required")),
        )
        for form in formset.forms
        if form.cleaned_data and (form.cleaned_data.get("text") or "").strip()
    ]


def event_initial(event: Event) -> dict:
    """The form's values for an event being edited."""
    initial = {
        name: getattr(event, name)
        for name in [
            "kind",
            "title",
            "title_kana",
            "title_en",
            "description",
            "contact",
            "venue_name",
            "venue_address",
            "latitude",
            "longitude",
            "capacity_seats",
            "max_party",
            "waitlist",
            "fee_yen",
            "who_may_come",
            "min_age",
            "max_age",
            "accessibility",
            "allocation",
        ]
    }
    initial |= {
        "project": event.project_id,
        "organiser_group": event.organiser_group_id,
        "venue_room": event.venue_room_id,
    }
    for name in ("registration_opens_at", "registration_closes_at", "cancel_until"):
        initial[name] = timezone.localtime(getattr(event, name)).strftime(LOCAL_MOMENT)
    return initial
