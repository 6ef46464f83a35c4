"""The ledger's staff forms: parsing and presenting input, no business rules (those are in `actions`)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from machi.core.fiscal import fiscal_year_label, parse_fiscal_year
from machi.core.money import AmountError, format_thousands, parse_amount, yen_to_thousands
from machi.ledger.importers.initial_budget import read_initial_budget
from machi.ledger.importers.rows import LedgerImportError


class CarryForwardForm(forms.Form):
    """The year to carry to, and the 当初予算 in 千円: a sheet, or one field per project.

    The fields start empty: the source year's 2月補正後 is shown beside each as a suggestion, not filled
    in, so nothing becomes a budget that no one typed. A sheet, where one is given, replaces the fields.
    """

    to_year = forms.CharField(
        label=gettext_lazy("引き継ぐ先の年度"),
        max_length=20,
        help_text=gettext_lazy("西暦（2023）または和暦（令和5年度）で入力します。"),
    )
    sheet = forms.FileField(
        label=gettext_lazy("当初予算の表（CSV・Excel）"),
        required=False,
        help_text=gettext_lazy(
            "列は「No.」「事業名」「当初予算」（千円）です。表を選ぶと、下の欄の入力より表が優先されます。"
        ),
    )
    # Set on the review step from a sheet already read, so the confirmation needs no second upload.
    sheet_name = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, programme, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.projects = [p for p in projects if p.no is not None]
        self.fields["to_year"].initial = str(programme.fiscal_year + 1)
        for project in self.projects:
            field = forms.CharField(
                label=_("No.%(no)s %(name)s") % {"no": project.no, "name": project.name},
                required=False,
                max_length=30,
                help_text=_("%(year)sの2月補正後: %(revised)s千円")
                % {
                    "year": fiscal_year_label(programme.fiscal_year),
                    "revised": format_thousands(project.revised_yen),
                },
            )
            field.widget.attrs.update(
                {"inputmode": "decimal", "autocomplete": "off", "class": "amount-input"}
            )
            field.project = project
            self.fields[self.amount_field(project.no)] = field

    @staticmethod
    def amount_field(no: int) -> str:
        return f"amount_{no}"

    def amount_fields(self):
        return [self[self.amount_field(project.no)] for project in self.projects]

    def clean_to_year(self) -> int:
        try:
            return parse_fiscal_year(self.cleaned_data["to_year"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_sheet(self):
        sheet = self.cleaned_data.get("sheet")
        if sheet is None:
            return None
        if sheet.size > settings.MACHI_MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("ファイルが大きすぎます"))
        projects = {project.no: project.name for project in self.projects}
        try:
            return read_initial_budget(sheet.read(), sheet.name, projects=projects)
        except LedgerImportError as error:
            raise forms.ValidationError([str(problem) for problem in error.problems]) from None

    def clean(self):
        cleaned = super().clean()
        amounts = cleaned.get("sheet")
        if amounts is not None:
            cleaned["sheet_name"] = self.files["sheet"].name
            cleaned["initial_yen_by_project"] = amounts
            return cleaned
        if "sheet" in self.errors:
            return cleaned
        amounts = {}
        for project in self.projects:
            name = self.amount_field(project.no)
            try:
                amounts[project.no] = parse_amount(cleaned.get(name, ""))
            except AmountError as error:
                self.add_error(name, str(error))
                continue
            if amounts[project.no] is not None and amounts[project.no] < 0:
                self.add_error(name, _("当初予算は0以上にしてください"))
        cleaned["initial_yen_by_project"] = amounts
        return cleaned

    def review_values(self) -> dict[str, str]:
        """The typed form of what was read (a sheet's amounts too), for the review step's hidden fields."""
        values = {
            "to_year": str(self.cleaned_data["to_year"]),
            "sheet_name": self.cleaned_data.get("sheet_name") or "",
        }
        for no, yen in self.cleaned_data["initial_yen_by_project"].items():
            values[self.amount_field(no)] = "" if yen is None else str(yen_to_thousands(yen))
        return values

    @property
    def reason(self) -> str:
        name = self.cleaned_data.get("sheet_name")
        return _("当初予算の表: %(name)s") % {"name": name} if name else _("当初予算の入力")
