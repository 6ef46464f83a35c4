"""The ledger in Django's admin, for ward staff.

Figures are typed in 千円 as people write them (1,000 / １，０００ / ― for none)
and change only through `actions.set_figures`, with the person and a required
reason, so every change lands in the project's history. The history itself
(FigureChange) is append-only: the admin shows it and nothing more.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from machi.accounts.admin_scope import CityAdminOnlyAdmin, WardScopedAdmin
from machi.accounts.queries import can_manage_ward, is_staff_anywhere
from machi.core.fiscal import wareki
from machi.core.money import THOUSAND_YEN, AmountError, format_thousands, parse_amount
from machi.core.text import name_key, normalize
from machi.ledger import actions
from machi.ledger.models import FigureChange, Pillar, Programme, Project, Theme, Ward

FIGURE_FIELDS = ("initial_yen", "revised_yen", "settled_yen")


class ThousandYenField(forms.Field):
    """An amount typed in 千円 → integer yen, or None for 空欄 / ― (not budgeted, which is not 0)."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            _("千円単位で入力します（例: 1,500）。空欄または「―」は予算の計上なし（0とは異なります）。"),
        )
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off", "size": 14, "maxlength": 30})

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return format_thousands(value)
        return value

    def to_python(self, value) -> int | None:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            yen = parse_amount(value or "", unit=THOUSAND_YEN)
        except AmountError as error:
            raise ValidationError(str(error), code="amount") from None
        if yen is not None and yen < 0:
            raise ValidationError(_("金額は0以上で入力してください。"), code="negative")
        return yen


class FiscalYearFilter(admin.SimpleListFilter):
    """Fiscal years as people name them: 令和4年度 (2022)."""

    title = _("年度")
    parameter_name = "fiscal_year"
    field_path = "fiscal_year"

    def lookups(self, request, model_admin):
        years = Programme.objects.fiscal_years()
        return [(str(year), f"{wareki(year)}（{year}）") for year in years]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(**{self.field_path: int(self.value())})
        return queryset


class ProjectFiscalYearFilter(FiscalYearFilter):
    field_path = "programme__fiscal_year"


class ChangeFiscalYearFilter(FiscalYearFilter):
    field_path = "project__programme__fiscal_year"


@admin.register(Ward)
class WardAdmin(CityAdminOnlyAdmin):
    list_display = ("code", "name", "name_en", "city_name")
    search_fields = ("name", "name_en", "code")

    def save_model(self, request, obj, form, change):
        actions.save_ward(actor=request.user, ward=obj)


@admin.register(Theme)
class ThemeAdmin(CityAdminOnlyAdmin):
    list_display = ("name", "name_en", "project_count")
    search_fields = ("name", "name_en")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(project_count=Count("projects"))

    @admin.display(description=_("事業数"), ordering="project_count")
    def project_count(self, obj) -> int:
        return obj.project_count


class PillarInline(admin.TabularInline):
    """Pillars edited with their programme, by whoever may change the programme."""

    model = Pillar
    fields = ("position", "name", "description")
    extra = 0
    ordering = ("position",)

    def _may(self, request, obj) -> bool:
        return is_staff_anywhere(request.user) and (obj is None or can_manage_ward(request.user, obj.ward_id))

    def has_view_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, obj)


class ProgrammeAdminForm(forms.ModelForm):
    allocation_yen = ThousandYenField(label=_("配分額（千円）"))

    class Meta:
        model = Programme
        fields = ("ward", "fiscal_year", "allocation_yen", "vision", "priorities")
        help_texts = {"priorities": _("1行に1項目を書きます。")}

    def clean(self):
        """The rule `save_programme` enforces, shown beside the field: a programme whose projects a
        service's record belongs to (a grant programme) keeps its year and ward."""
        cleaned = super().clean()
        ward, fiscal_year = cleaned.get("ward"), cleaned.get("fiscal_year")
        stored = self.instance
        moved = (
            stored.pk is not None
            and ward is not None
            and fiscal_year is not None
            and (stored.ward_id, stored.fiscal_year) != (ward.pk, fiscal_year)
        )
        if moved:
            try:
                actions.keep_services_in_place(
                    stored.projects.all(), programme=Programme(ward=ward, fiscal_year=fiscal_year)
                )
            except actions.ServiceInAnotherYear as error:
                self.add_error("fiscal_year" if stored.fiscal_year != fiscal_year else "ward", error)
        return cleaned


@admin.register(Programme)
class ProgrammeAdmin(WardScopedAdmin):
    ward_path = "ward"
    form = ProgrammeAdminForm
    list_display = ("__str__", "ward", "fiscal_year_display", "allocation_thousands", "project_count")
    list_filter = ("ward", FiscalYearFilter)
    list_select_related = ("ward",)
    search_fields = ("ward__name", "vision")
    inlines = (PillarInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(project_count=Count("projects"))

    def get_actions(self, request):
        # Bulk delete would take projects and their history with it.
        actions_ = super().get_actions(request)
        actions_.pop("delete_selected", None)
        return actions_

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.projects.exists():
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        actions.save_programme(actor=request.user, programme=obj)

    def save_formset(self, request, form, formset, change):
        """Pillars go through the actions too: scoped and audited one by one."""
        pillars = formset.save(commit=False)
        for pillar in formset.deleted_objects:
            actions.delete_pillar(actor=request.user, pillar=pillar)
        for pillar in pillars:
            actions.save_pillar(actor=request.user, pillar=pillar)

    @admin.display(description=_("年度"), ordering="fiscal_year")
    def fiscal_year_display(self, obj) -> str:
        return f"{wareki(obj.fiscal_year)}（{obj.fiscal_year}）"

    @admin.display(description=_("配分額（千円）"), ordering="allocation_yen")
    def allocation_thousands(self, obj) -> str:
        return format_thousands(obj.allocation_yen)

    @admin.display(description=_("事業数"), ordering="project_count")
    def project_count(self, obj) -> int:
        return obj.project_count


class ProjectAdminForm(forms.ModelForm):
    initial_yen = ThousandYenField(label=_("当初予算（千円）"))
    revised_yen = ThousandYenField(label=_("2月補正後（千円）"))
    settled_yen = ThousandYenField(label=_("決算額（千円）"))
    change_reason = forms.CharField(
        label=_("変更理由"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("金額を変更するときは必ず入力してください。変更者・日時とともに変更履歴に残ります。"),
    )
    below_commitments_reason = forms.CharField(
        label=_("決定済みの額を下回る理由"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_(
            "予算を補助金の交付決定などの決定済みの額より少なくするときだけ入力します。"
            "監査ログに残り、台帳の点検に載ります。"
        ),
    )

    class Meta:
        model = Project
        fields = (
            "programme", "pillar", "no", "position", "name", "status", "description", "themes",
            "initial_yen", "revised_yen", "settled_yen",
        )  # fmt: skip
        labels = {"programme": _("区・年度")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "programme" in self.fields:
            self.fields["programme"].queryset = Programme.objects.select_related("ward")
        if "pillar" in self.fields:
            pillars = Pillar.objects.select_related("programme__ward").order_by(
                "-programme__fiscal_year", "programme__ward__code", "position"
            )
            if self.instance.programme_id:
                pillars = pillars.filter(programme=self.instance.programme_id)
            self.fields["pillar"].queryset = pillars
            self.fields["pillar"].label_from_instance = lambda p: f"{p.programme} ― {p.position}. {p.name}"

    def changed_figures(self) -> dict[str, int | None]:
        """The figures the person changed, with their new values in yen."""
        return {
            f: self.cleaned_data[f]
            for f in FIGURE_FIELDS
            if f in self.changed_data and f in self.cleaned_data
        }

    def clean(self):
        cleaned = super().clean()
        pillar, programme = cleaned.get("pillar"), cleaned.get("programme")
        if pillar is not None and programme is not None and pillar.programme_id != programme.pk:
            self.add_error("pillar", _("この柱は選んだ区・年度のものではありません。"))
        if self.changed_figures() and not normalize(cleaned.get("change_reason")):
            self.add_error("change_reason", _("金額を変更するときは変更理由を入力してください。"))
        # The rules the actions enforce, shown beside the fields (the actions check again on saving).
        stored = self.instance
        if stored.pk is not None and programme is not None and programme.pk != stored.programme_id:
            try:
                actions.keep_services_in_place([stored], programme=programme)
            except actions.ServiceInAnotherYear as error:
                self.add_error("programme", error)
        if stored.pk is not None and self.changed_figures():
            try:
                actions.preview_commitments(
                    stored, self.changed_figures(), reason=cleaned.get("below_commitments_reason") or ""
                )
            except actions.BelowCommitments as error:
                self.add_error("below_commitments_reason", error)
        return cleaned


@admin.register(Project)
class ProjectAdmin(WardScopedAdmin):
    ward_path = "programme__ward"
    form = ProjectAdminForm
    list_display = (
        "ward_name", "fiscal_year_display", "no", "name", "status",
        "initial_thousands", "revised_thousands", "settled_thousands",
    )  # fmt: skip
    list_display_links = ("name",)
    list_filter = ("programme__ward", ProjectFiscalYearFilter, "status")
    list_select_related = ("programme__ward",)
    search_fields = ("name",)
    ordering = ("-programme__fiscal_year", "programme__ward__code", "position", "no")
    filter_horizontal = ("themes",)
    readonly_fields = ("figure_history",)
    fieldsets = (
        (
            None,
            {"fields": ("programme", "pillar", "no", "position", "name", "status", "description", "themes")},
        ),
        (
            _("金額（千円）"),
            {
                "fields": (
                    "initial_yen",
                    "revised_yen",
                    "settled_yen",
                    "change_reason",
                    "below_commitments_reason",
                ),
                "description": _("金額の変更は、変更者・日時・変更理由とともに変更履歴に記録されます。"),
            },
        ),
        (_("金額の変更履歴（追記のみ・編集できません）"), {"fields": ("figure_history",)}),
    )

    class Media:
        css = {"all": ("machi-admin.css",)}

    def get_search_results(self, request, queryset, search_term):
        """Names match as people type them: full-width, spaces and dash variants aside (ＩＣＴ = ICT)."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        key = name_key(search_term)
        if key:
            queryset |= self.model.objects.filter(name_key__contains=key)
        return queryset, may_have_duplicates

    def save_model(self, request, obj, form, change):
        """Everything but the figures is saved as usual; the figures go through set_figures."""
        figures = form.changed_figures()
        # The other fields only: a figure written meanwhile by someone else stays theirs.
        actions.save_project(actor=request.user, project=obj)
        if figures:
            actions.set_figures(
                obj,
                reason=form.cleaned_data["change_reason"],
                below_commitments_reason=form.cleaned_data["below_commitments_reason"],
                actor=request.user,
                **figures,
            )
            obj.refresh_from_db(fields=list(FIGURE_FIELDS))

    def save_related(self, request, form, formsets, change):
        """Themes go through tag_project (scoped, audited); the project has no other relations here."""
        actions.tag_project(form.instance, [t.name for t in form.cleaned_data["themes"]], actor=request.user)

    def get_actions(self, request):
        # Deleting a project would take its history with it.
        actions_ = super().get_actions(request)
        actions_.pop("delete_selected", None)
        return actions_

    def has_delete_permission(self, request, obj=None):
        """A project with a history of figures cannot be deleted here: the history is the record."""
        if obj is not None and obj.figure_changes.exists():
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("区"), ordering="programme__ward__code")
    def ward_name(self, obj) -> str:
        return obj.programme.ward.name

    @admin.display(description=_("変更履歴"))
    def figure_history(self, obj) -> str:
        """The project's history, newest first, as a table (one query)."""
        if obj is None or obj.pk is None:
            return _("まだ変更の記録はありません。")
        changes = list(FigureChange.objects.for_project(obj).order_by("-changed_at", "-id"))
        if not changes:
            return _("まだ変更の記録はありません。")
        rows = format_html_join(
            "\n",
            '<tr><td class="nowrap">{}</td><td class="nowrap">{}</td><td class="num">{}</td><td class="num">{}</td>'
            '<td class="num">{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    date_format(timezone.localtime(c.changed_at), "Y年n月j日 H:i"),
                    c.get_stage_display(),
                    format_thousands(c.old_yen),
                    format_thousands(c.new_yen),
                    format_thousands(c.change_yen),
                    c.changed_by or _("記録なし"),
                    c.reason,
                )
                for c in changes
            ),
        )
        return format_html(
            '<table class="figure-history"><caption>{}</caption><thead><tr>{}</tr></thead><tbody>{}</tbody></table>',
            _("新しい順（単位：千円）"),
            format_html_join(
                "",
                '<th scope="col">{}</th>',
                (
                    (label,)
                    for label in (
                        _("日時"),
                        _("段階"),
                        _("変更前"),
                        _("変更後"),
                        _("増減"),
                        _("変更者"),
                        _("理由"),
                    )
                ),
            ),
            rows,
        )

    @admin.display(description=_("年度"), ordering="programme__fiscal_year")
    def fiscal_year_display(self, obj) -> str:
        return wareki(obj.programme.fiscal_year)

    @admin.display(description=_("当初予算（千円）"), ordering="initial_yen")
    def initial_thousands(self, obj) -> str:
        return format_thousands(obj.initial_yen)

    @admin.display(description=_("2月補正後（千円）"), ordering="revised_yen")
    def revised_thousands(self, obj) -> str:
        return format_thousands(obj.revised_yen)

    @admin.display(description=_("決算額（千円）"), ordering="settled_yen")
    def settled_thousands(self, obj) -> str:
        return format_thousands(obj.settled_yen)


@admin.register(FigureChange)
class FigureChangeAdmin(WardScopedAdmin):
    ward_path = "project__programme__ward"
    """The history of every figure, to read and search. Append-only: no add, change or delete here."""

    list_display = (
        "changed_at", "project_name", "ward_name", "stage", "old_thousands", "new_thousands", "change_thousands",
        "changed_by", "reason",
    )  # fmt: skip
    empty_value_display = _("記録なし")
    list_filter = ("stage", "project__programme__ward", ChangeFiscalYearFilter)
    list_select_related = ("project__programme__ward", "changed_by")
    search_fields = ("project__name", "reason", "changed_by__username")
    date_hierarchy = "changed_at"
    actions = None

    class Media:
        css = {"all": ("machi-admin.css",)}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("事業"), ordering="project__name")
    def project_name(self, obj) -> str:
        return str(obj.project)

    @admin.display(description=_("区"), ordering="project__programme__ward__code")
    def ward_name(self, obj) -> str:
        return obj.project.programme.ward.name

    @admin.display(description=_("変更前（千円）"))
    def old_thousands(self, obj) -> str:
        return format_thousands(obj.old_yen)

    @admin.display(description=_("変更後（千円）"))
    def new_thousands(self, obj) -> str:
        return format_thousands(obj.new_yen)

    @admin.display(description=_("増減（千円）"))
    def change_thousands(self, obj) -> str:
        return format_thousands(obj.change_yen)
