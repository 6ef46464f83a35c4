"""The forms of the grant pages. They check what a person typed; `grants.actions` decides the rest.

A refusal from an action (over the computed grant, over the envelope, outside the window)
is attached to the form as a non-field error, in the action's own words.
"""

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from machi.accounts.forms import NamedRequiredMessages
from machi.core.forms import YenField, parse_yen  # noqa: F401 (the grants' pages and events read them here)
from machi.grants.actions import ExpenseInput
from machi.grants.models import Application, Attachment, ExpenseCategory

# Empty rows a new budget starts with; a person adds more with 「行を追加」.
START_ROWS = 3
MAX_ROWS = 50


class ApplicationForm(NamedRequiredMessages, forms.Form):
    """What the group plans: the track, the project, when, and the other income (the budget is a formset)."""

    group = forms.ModelChoiceField(label=_("申請する団体"), queryset=None, empty_label=None)
    track = forms.ModelChoiceField(
        label=pgettext_lazy("grant track", "区分"),
        queryset=None,
        empty_label=None,
        widget=forms.RadioSelect(attrs={"data-track": ""}),
    )
    title = forms.CharField(label=_("事業名"), max_length=200, help_text=_("例：校区の防災マップづくり"))
    plan = forms.CharField(
        label=_("事業の内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("目的、何をするか、だれが参加するか"),
    )
    schedule = forms.CharField(
        label=_("実施時期・日程"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例：2022年7月〜12月（毎月第2土曜日）"),
    )
    other_income_yen = YenField(
        label=_("その他の収入（円）"), required=False, help_text=_("参加費・協賛金・自己資金など")
    )

    def __init__(self, *args, programme, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        tracks = programme.tracks.all()
        self.fields["track"].queryset = tracks
        self.fields["track"].label_from_instance = lambda track: (
            gettext("%(name)s（補助率%(rate)s、上限%(cap)s円）")
            % {"name": track.name, "rate": track.rate, "cap": f"{track.cap_yen:,}"}
        )
        if len(tracks) == 1:
            self.fields["track"].initial = tracks[0].pk

    def clean_other_income_yen(self):
        return self.cleaned_data["other_income_yen"] or 0


class ExpenseLineForm(forms.Form):
    """One line of the budget or of the accounts: 費目, 内容, 金額. A row left empty is skipped."""

    category = forms.ModelChoiceField(label=_("費目"), queryset=None, empty_label=_("選択してください"))
    description = forms.CharField(label=_("内容"), max_length=200, required=False)
    amount_yen = YenField(label=_("金額（円）"), required=False)

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        field.queryset = categories
        field.required = False
        field.widget.attrs["data-category"] = ""

    def clean(self):
        data = super().clean()
        category, amount = data.get("category"), data.get("amount_yen")
        if self.errors:
            return data
        if category is None and amount is None and not data.get("description"):
            data["empty"] = True
        elif category is None:
            self.add_error("category", gettext("費目を選んでください。"))
        elif amount is None:
            self.add_error("amount_yen", gettext("金額を入力してください。"))
        return data


class BaseExpenseFormSet(forms.BaseFormSet):
    def __init__(self, *args, categories, **kwargs):
        self.categories = categories
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"categories": self.categories}

    def expense_inputs(self) -> list[ExpenseInput]:
        """The filled rows, for the action (after is_valid)."""
        return [
            ExpenseInput(
                category=form.cleaned_data["category"],
                description=form.cleaned_data.get("description") or "",
                amount_yen=form.cleaned_data["amount_yen"],
            )
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("empty")
        ]


def expense_formset(data, *, prefix: str, categories, lines=(), rows: int | None = None):
    """The budget's rows: the lines saved so far (initial), then empty rows up to `rows` on a new form."""
    initial = [
        {"category": line.category_id, "description": line.description, "amount_yen": line.amount_yen}
        for line in lines
    ]
    formset_class = forms.formset_factory(
        ExpenseLineForm,
        formset=BaseExpenseFormSet,
        extra=max((rows or START_ROWS) - len(initial), 1),
        max_num=MAX_ROWS,
        absolute_max=MAX_ROWS,
    )
    return formset_class(data, prefix=prefix, initial=initial, categories=categories)


def categories_of(programme):
    return ExpenseCategory.objects.filter(programme=programme).order_by("position", "id")


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("書類の種類"), choices=Attachment.Kind.choices)
    file = forms.FileField(
        label=_("ファイル"),
        help_text=_("PDF、PNG、JPEG（5MBまで）"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
    )


class ReportForm(forms.Form):
    note = forms.CharField(
        label=_("実施の結果・報告事項"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("参加者数、成果、予定から変わった点など"),
    )


class NoteForm(forms.Form):
    """A comment, a request for changes, a reason to withdraw."""

    note = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, label=None, required=True, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["note"]
        if label is not None:
            field.label = label
        field.required = required
        field.error_messages["required"] = gettext("%(label)sを入力してください。") % {"label": field.label}


class DecideForm(NamedRequiredMessages, forms.Form):
    amount_yen = YenField(label=_("交付決定額（円）"))
    conditions = forms.CharField(
        label=_("交付の条件"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例：活動の写真を添えて実績報告をすること"),
    )
    overdraw_reason = forms.CharField(
        label=_("予算の残りを超えて決定する理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("予算の残りを超えるときだけ入力します。理由は台帳の点検（machi ledger check）に載ります"),
    )


class RejectForm(NamedRequiredMessages, forms.Form):
    reason = forms.CharField(label=_("不交付の理由"), widget=forms.Textarea(attrs={"rows": 3}))


class RepaymentForm(NamedRequiredMessages, forms.Form):
    amount_yen = YenField(label=_("返還額（円）"))
    reason = forms.CharField(label=_("返還の理由"), widget=forms.Textarea(attrs={"rows": 2}))


class EmptyForm(forms.Form):
    """A button-only step (start review, confirm, pay, submit): only the action's refusal can be its error."""


STAFF_FORMS = {
    "review": EmptyForm,
    "comment": NoteForm,
    "request_changes": NoteForm,
    "decide": DecideForm,
    "reject": RejectForm,
    "return_report": NoteForm,
    "confirm": EmptyForm,
    "pay": EmptyForm,
    "repay": RepaymentForm,
}

# Which staff steps each status allows (the actions check again; this only decides what the page offers).
# Steps that move money: a button press shows what will be recorded (run and rolled back) and asks
# again; only the second form, which carries `confirmed=yes`, acts.
CONFIRMED_STEPS = ("confirm", "pay")

STAFF_STEPS = {
    Application.Status.SUBMITTED: ("review", "request_changes", "decide", "reject", "comment"),
    Application.Status.UNDER_REVIEW: ("request_changes", "decide", "reject", "comment"),
    Application.Status.CHANGES_REQUESTED: ("comment",),
    Application.Status.DECIDED: ("comment",),
    Application.Status.REPORTED: ("confirm", "return_report", "comment"),
    Application.Status.CONFIRMED: ("pay", "comment"),
    Application.Status.PAID: ("repay", "comment"),
}


# --- Setting up a programme (ward staff) -------------------------------------------------------

LOCAL_MOMENT = "%Y-%m-%dT%H:%M"


class LocalMomentField(forms.DateTimeField):
    """A local date and time (the browser's datetime-local input), read in Japan time."""

    def __init__(self, **kwargs):
        widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MOMENT)
        super().__init__(widget=widget, input_formats=[LOCAL_MOMENT, "%Y-%m-%d %H:%M", "%Y-%m-%d"], **kwargs)


class ProgrammeSetupForm(NamedRequiredMessages, forms.Form):
    """A programme's own fields; its ward and year are chosen before (the project list depends on them)."""

    ward = forms.IntegerField(widget=forms.HiddenInput)
    fiscal_year = forms.IntegerField(widget=forms.HiddenInput)
    project = forms.ModelChoiceField(
        label=_("補助金を支出する台帳の事業"),
        queryset=None,
        empty_label=_("選択してください"),
        help_text=_(
            "この区・年度の事業のうち、ほかの制度が使っていないもの。予算の残りが交付の上限になります"
        ),
    )
    name = forms.CharField(
        label=_("制度の名称"), max_length=200, help_text=_("例：地域コミュニティづくり支援補助金")
    )
    description = forms.CharField(
        label=_("説明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("申請する団体に見せる説明"),
    )
    opens_at = LocalMomentField(label=_("申請の受付開始"))
    closes_at = LocalMomentField(label=_("申請の受付締切"), help_text=_("この日時より前まで受け付けます"))

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["project"]
        field.queryset = projects
        field.label_from_instance = lambda project: (
            gettext("No.%(no)s %(name)s（予算 %(budget)s円）")
            % {
                "no": project.no if project.no is not None else "－",
                "name": project.name,
                "budget": "―"
                if (project.revised_yen if project.revised_yen is not None else project.initial_yen) is None
                else f"{project.revised_yen if project.revised_yen is not None else project.initial_yen:,}",
            }
        )


class TrackRowForm(forms.Form):
    """One 区分: name, rate as a fraction, cap, rounding. A row left without a name is skipped."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("区分名"), max_length=100, required=False)
    rate_numerator = forms.IntegerField(label=_("補助率（分子）"), required=False, min_value=0)
    rate_denominator = forms.IntegerField(label=_("補助率（分母）"), required=False, min_value=0)
    cap_yen = YenField(label=_("上限額（円）"), required=False)
    rounding = forms.ChoiceField(label=_("端数の扱い"), choices=(), required=False)
    delete = forms.BooleanField(label=_("削除"), required=False)

    def __init__(self, *args, **kwargs):
        from machi.grants.models import GrantTrack

        super().__init__(*args, **kwargs)
        self.fields["rounding"].choices = GrantTrack.ROUNDING_CHOICES


class CategoryRowForm(forms.Form):
    """One 費目 and whether the grant pays towards it. A row left without a name is skipped."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("費目"), max_length=100, required=False)
    eligible = forms.BooleanField(label=_("補助対象"), required=False)
    delete = forms.BooleanField(label=_("削除"), required=False)


class SetupRowsFormSet(forms.BaseFormSet):
    """Rows that start filled in (the usual 費目, the stored 区分) count even when left as they were."""

    def get_form_kwargs(self, index):
        return {"empty_permitted": False}


def setup_formsets(data, *, programme=None, default_categories=()):
    """The 区分 and 費目 rows: the stored ones (or, for a new programme, the usual 費目), then empty rows."""
    from machi.grants.rules import Rounding

    if programme is not None:
        tracks = [
            {
                "id": t.pk,
                "name": t.name,
                "rate_numerator": t.rate_numerator,
                "rate_denominator": t.rate_denominator,
                "cap_yen": t.cap_yen,
                "rounding": t.rounding,
            }
            for t in programme.tracks.all()
        ]
        categories = [{"id": c.pk, "name": c.name, "eligible": c.eligible} for c in categories_of(programme)]
    else:
        tracks = []
        categories = [{"name": name, "eligible": eligible} for name, eligible in default_categories]
    track_rows = forms.formset_factory(
        TrackRowForm, formset=SetupRowsFormSet, extra=0, max_num=20, absolute_max=20
    )
    category_rows = forms.formset_factory(
        CategoryRowForm, formset=SetupRowsFormSet, extra=0, max_num=MAX_ROWS, absolute_max=MAX_ROWS
    )
    blank_track = {"rounding": Rounding.FLOOR_1000}
    tracks += [dict(blank_track) for _ in range(2 if not tracks else 1)]
    categories += [{"eligible": True} for _ in range(2)]
    return (
        track_rows(data, prefix="tracks", initial=tracks),
        category_rows(data, prefix="categories", initial=categories),
    )
