"""The forms of the residents' requests pages. They read what a person typed; `machi.requests.actions`
decides the rest (the location inside the city, the description's length, the photos' content, the
category's own questions, the moves between states, the fund's money).

A refusal from an action is attached to the field it is about (`ACTION_FIELDS`, by the refusal's code),
else to the form, in the action's own words.
"""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from machi.accounts.forms import NamedRequiredMessages
from machi.core.forms import DateText, YenField
from machi.ledger.models import ExpenseSection
from machi.requests.actions import TRANSITIONS
from machi.requests.models import DESCRIPTION_MAX, Category, Photo, Request

PHOTO_MAX_BYTES = 10 * 1024 * 1024

# Which field an action's refusal is about, by its code.
ACTION_FIELDS = {
    "requests.no_description": "description",
    "requests.too_long": "description",
    "requests.no_location": "address",
    "requests.outside_city": "address",
    "requests.bad_location": "address",
    "requests.no_reason": "reason",
    "requests.no_referral": "referred_to",
    "requests.no_duplicate": "duplicate_of",
}


def attach_refusal(form: forms.Form, refusal) -> None:
    """An action's ValidationError on the field its code names, else on the form."""
    if hasattr(refusal, "error_dict"):
        for name, errors in refusal.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return
    code = getattr(refusal, "code", None) or ""
    name = "photos" if code.startswith("requests.photo") else ACTION_FIELDS.get(code)
    if name and name in form.fields:
        # The field may already have cleaned away (a field with an error has no cleaned value).
        form.add_error(name, refusal.messages)
    else:
        form.add_error(None, refusal.messages)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to three photos in one file input (the content is checked by the action, not here)."""

    def __init__(self, **kwargs):
        widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "multiple": True})
        super().__init__(widget=widget, required=False, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > Photo.MAX_PER_REQUEST:
            raise forms.ValidationError(
                gettext("写真は%(max)s枚までです") % {"max": Photo.MAX_PER_REQUEST}, code="photos"
            )
        for file in files:
            if file.size > PHOTO_MAX_BYTES:
                raise forms.ValidationError(
                    gettext("写真「%(name)s」が10MBを超えています") % {"name": file.name}, code="photos"
                )
        return files


class ReportForm(NamedRequiredMessages, forms.Form):
    """A resident's report of a problem in one category: where (a pin on the map or an address, either
    works without the other and without JavaScript), what, photos and the category's own questions."""

    latitude = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-map-lat": ""}))
    longitude = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-map-lon": ""}))
    address = forms.CharField(
        label=_("住所・場所"),
        max_length=200,
        required=False,
        help_text=_("地図で位置を選ばないときは必ず入力してください。例：中央区手取本町1-1 の交差点の北側"),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    description = forms.CharField(
        label=_("内容"),
        help_text=_("どこで何が起きているか、危険があるかを書いてください（%(max)s文字まで）")
        % {"max": f"{DESCRIPTION_MAX:,}"},
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": DESCRIPTION_MAX, "data-counter": ""}),
    )
    photos = PhotosField(
        label=_("写真"),
        help_text=_("3枚まで（JPEG・PNG・WebP、1枚10MBまで）。位置などの情報は消してから保存します"),
    )
    not_duplicate = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, category: Category, **kwargs):
        super().__init__(*args, **kwargs)
        self.category = category
        self.attribute_codes = []
        for attribute in category.attributes or []:
            code = str(attribute.get("code") or "")
            if not code:
                continue
            self.fields[f"attr_{code}"] = _attribute_field(attribute)
            self.attribute_codes.append(code)

    def attribute_answers(self) -> dict:
        answers = {}
        for code in self.attribute_codes:
            value = self.cleaned_data.get(f"attr_{code}")
            if value not in (None, "", []):
                answers[code] = value
        return answers

    def attribute_fields(self):
        return [self[f"attr_{code}"] for code in self.attribute_codes]


def _attribute_field(attribute: dict) -> forms.Field:
    """A field for one of the category's own questions (an Open311 attribute definition)."""
    label = attribute.get("label") or attribute.get("description") or attribute["code"]
    options = {
        "label": label,
        "required": bool(attribute.get("required")),
        "help_text": attribute.get("description") if attribute.get("label") else "",
    }
    datatype = attribute.get("datatype") or "string"
    values = [(str(v.get("key")), str(v.get("name") or v.get("key"))) for v in attribute.get("values") or []]
    if datatype == "singlevaluelist":
        return forms.ChoiceField(choices=values, widget=forms.RadioSelect, **options)
    if datatype == "multivaluelist":
        return forms.MultipleChoiceField(choices=values, widget=forms.CheckboxSelectMultiple, **options)
    if datatype == "text":
        return forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), **options)
    if datatype == "number":
        return forms.CharField(
            max_length=30, widget=forms.TextInput(attrs={"inputmode": "decimal"}), **options
        )
    if datatype == "datetime":
        return forms.CharField(
            max_length=30, widget=forms.TextInput(attrs={"type": "datetime-local"}), **options
        )
    return forms.CharField(max_length=200, **options)


class CallerForm(ReportForm):
    """A request phoned in or brought to the counter: staff enter the caller's name and phone."""

    caller_name = forms.CharField(label=_("申出者の氏名"), max_length=100)
    caller_phone = forms.CharField(
        label=_("申出者の電話番号"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    school_district = forms.CharField(label=_("校区"), max_length=100, required=False)

    field_order = ["caller_name", "caller_phone", "address", "school_district", "description", "photos"]


class StatusForm(NamedRequiredMessages, forms.Form):
    """Staff move a request: where to, what the public reads, what stays inside, and the version they saw."""

    to = forms.ChoiceField(label=_("新しい状態"))
    public_note = forms.CharField(
        label=_("公開する説明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("申出者と公開のページに表示されます。個人名は書かないでください"),
    )
    internal_note = forms.CharField(
        label=_("内部メモ"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("職員だけが見ます"),
    )
    reason = forms.CharField(
        label=_("対応不可の理由"),
        required=False,
        max_length=1000,
        help_text=_("対応不可のとき（公開されます）"),
    )
    referred_to = forms.CharField(
        label=_("引継ぎ先"), required=False, max_length=200, help_text=_("引継ぎのとき。例：国道事務所")
    )
    duplicate_of = forms.CharField(
        label=_("重複先の課題"),
        required=False,
        max_length=40,
        help_text=_("重複のとき。番号（例：3）または課題番号（例：431010-2026-3）"),
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, request: Request, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = TRANSITIONS.get(request.status, set())
        self.fields["to"].choices = [(s.value, s.label) for s in Request.Status if s in allowed]
        self.fields["to"].error_messages["invalid_choice"] = gettext("この状態には変更できません")
        self.initial.setdefault("expected_version", request.version)


class ExpenditureForm(NamedRequiredMessages, forms.Form):
    section = forms.ChoiceField(label=_("節"), choices=ExpenseSection.choices)
    payee = forms.CharField(label=_("支払先"), max_length=200, help_text=_("公開のページには表示しません"))
    paid_on = DateText(label=_("支払日"), help_text=_("例：2026-05-10、令和8年5月10日"))
    amount_yen = YenField(label=_("金額（円）"), help_text=_("例：12000（全角・カンマ可）"))
    order_number = forms.CharField(label=_("支出命令番号"), max_length=40, required=False)
    note = forms.CharField(label=_("摘要"), max_length=200, required=False)
    overdraw_reason = forms.CharField(
        label=_("予算の残りを超える理由（流用）"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("基金の残りを超えるときだけ入力してください"),
    )


class RefundForm(NamedRequiredMessages, forms.Form):
    amount_yen = YenField(label=_("戻入額（円）"))
    paid_on = DateText(label=_("戻入日"), help_text=_("例：2026-05-10、令和8年5月10日"))
    order_number = forms.CharField(label=_("調定番号など"), max_length=40, required=False)
    note = forms.CharField(label=_("摘要"), max_length=200, required=False)


class NoteForm(forms.Form):
    """The requester's note when reopening (optional)."""

    public_note = forms.CharField(
        label=_("再開する理由"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)
