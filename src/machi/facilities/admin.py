"""Centres and bookings in the admin, held to the roles' scope like the ledger's admin.

Ward staff see and change their wards' centres (a city administrator every ward's);
each save goes through the audited actions (`save_centre`, `save_centre_part`,
`delete_centre_part`). Bookings are records: the admin lists and shows them, and
changes them only through the booking actions (approve, no-show, cancel), never by
editing fields. A centre is not deleted here: its bookings keep referring to it.
"""

import io

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from machi.accounts.admin_scope import WardScopedAdmin
from machi.accounts.queries import can_manage_ward, is_staff_anywhere
from machi.accounts.scope import NotAllowed
from machi.audit.actions import record_view
from machi.facilities import actions
from machi.facilities.exporters import centres_for_export, export_centres
from machi.facilities.models import Centre, ClosedDay, FeeExemption, Reservation, Room, TimeBlock


class CentrePartInline(admin.TabularInline):
    """A centre's rooms, blocks, closures or 減免: in scope exactly when the centre is."""

    extra = 0

    def _in_scope(self, request, centre) -> bool:
        if not is_staff_anywhere(request.user):
            return False
        return centre is None or can_manage_ward(request.user, centre.ward_id)

    def has_view_permission(self, request, obj=None):
        return self._in_scope(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._in_scope(request, obj)


class TimeBlockFormSet(BaseInlineFormSet):
    """Each block is checked against the stored ones (`TimeBlock.clean`); here, against each other."""

    def clean(self):
        super().clean()
        kept = [
            form.instance
            for form in self.forms
            if form.is_valid()
            and not self._should_delete_form(form)
            and None not in (form.instance.starts_at, form.instance.ends_at)  # not an empty extra form
        ]
        for n, block in enumerate(kept):
            for other in kept[n + 1 :]:
                if block.overlaps(other):
                    raise other.overlap_error(block)


class TimeBlockInline(CentrePartInline):
    model = TimeBlock
    formset = TimeBlockFormSet
    fields = ("position", "code", "label", "starts_at", "ends_at")
    verbose_name_plural = _("利用区分（午前・午後・夜間など。予約はこの単位）")


class RoomInline(CentrePartInline):
    model = Room
    fields = (
        "position",
        "name",
        "capacity",
        "equipment",
        "fee_per_block_yen",
        "requires_approval",
        "max_blocks_per_booking",
    )


class ClosedDayInline(CentrePartInline):
    model = ClosedDay
    fields = ("date", "reason")
    verbose_name_plural = _("臨時休館日（定休日・年末年始・祝日のほか）")


class FeeExemptionInline(CentrePartInline):
    model = FeeExemption
    fields = ("group_kind", "percent")


@admin.register(Centre)
class CentreAdmin(WardScopedAdmin):
    list_display = (
        "name",
        "ward",
        "school_district",
        "project",
        "open_weekday_labels",
        "opens_at",
        "closes_at",
    )
    list_filter = ("ward", "closed_on_holidays")
    list_select_related = ("ward", "project")
    search_fields = ("name", "name_kana", "name_common", "school_district", "address")
    fieldsets = (
        (None, {"fields": ("ward", "school_district", "name", "name_kana", "name_common", "project")}),
        (
            _("所在地・連絡先"),
            {"fields": ("address", "address_extra", "latitude", "longitude", "phone", "extension")},
        ),
        (
            _("開館日・開館時間"),
            {"fields": ("open_weekdays", "opens_at", "closes_at", "closed_year_end", "closed_on_holidays")},
        ),
        (
            _("予約の規則"),
            {
                "fields": (
                    "window_months_ahead",
                    "window_opens_day",
                    "window_opens_time",
                    "resident_head_start_days",
                    "cancel_deadline_days",
                    "group_monthly_cap",
                )
            },
        ),
        (
            _("公共施設一覧の項目"),
            {"fields": ("operator", "corporate_number", "url", "description", "barrier_free", "notes")},
        ),
    )
    inlines = (TimeBlockInline, RoomInline, ClosedDayInline, FeeExemptionInline)
    actions = ("export_standard_csv",)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "url":
            kwargs["assume_scheme"] = "https"  # a centre's page typed without a scheme is an https address
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_inlines(self, request, obj):
        # A new centre gets the default blocks (午前・午後・夜間) when saved; they are edited afterwards.
        return self.inlines if obj is not None else tuple(i for i in self.inlines if i is not TimeBlockInline)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        actions.save_centre(actor=request.user, centre=obj)

    def save_formset(self, request, form, formset, change):
        parts = formset.save(commit=False)
        for part in formset.deleted_objects:
            actions.delete_centre_part(actor=request.user, obj=part)
        for part in parts:
            actions.save_centre_part(actor=request.user, obj=part)
        formset.save_m2m()

    @admin.action(description=_("選択したセンターを公共施設一覧CSVで出力"))
    def export_standard_csv(self, request, queryset):
        buffer = io.BytesIO()
        export_centres(buffer, centres=centres_for_export().filter(pk__in=queryset.values("pk")))
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="centres.csv"'
        return response


@admin.register(Reservation)
class ReservationAdmin(WardScopedAdmin):
    """Bookings, read only; approve, mark as no-show or cancel through the booking actions."""

    ward_path = "room__centre__ward"
    list_display = ("date", "room", "status", "holder_label", "on_behalf", "payable_yen", "created_at")
    list_filter = ("status", "room__centre__ward", "on_behalf")
    list_select_related = ("room__centre", "holder", "group")
    search_fields = (
        "holder_name",
        "holder__username",
        "holder__email",
        "group__name",
        "room__name",
        "room__centre__name",
    )
    date_hierarchy = "date"
    readonly_fields = [f.name for f in Reservation._meta.fields if f.name != "id"]
    actions = ("approve_selected", "mark_no_show_selected", "cancel_selected")

    @admin.display(description=_("予約者"))
    def holder_label(self, obj):
        return obj.holder_label

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """A booking's page shows its holder's name and phone: recorded, as on the managers' pages."""
        response = super().change_view(request, object_id, form_url, extra_context)
        reservation = self.get_object(request, object_id) if response.status_code == 200 else None
        if reservation is not None and request.method == "GET":
            record_view(
                actor=request.user,
                action="facilities.view_booking",
                obj=reservation,
                people=[reservation.holder_id],
                detail={"page": "admin"},
            )
        return response

    @admin.display(description=_("お支払い（円）"))
    def payable_yen(self, obj):
        return f"{obj.payable_yen:,}"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _each(self, request, queryset, act, done):
        count = 0
        for reservation in queryset.select_related("room__centre"):
            try:
                act(reservation)
            except (ValidationError, NotAllowed) as error:
                message = "、".join(error.messages) if isinstance(error, ValidationError) else str(error)
                self.message_user(request, f"{reservation}: {message}", messages.WARNING)
            else:
                count += 1
        if count:
            self.message_user(request, done % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("選択した予約を承認する"))
    def approve_selected(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda r: actions.approve(actor=request.user, reservation=r),
            gettext("%(count)d 件を承認しました"),
        )

    @admin.action(description=_("選択した予約を無断不使用にする"))
    def mark_no_show_selected(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda r: actions.mark_no_show(actor=request.user, reservation=r),
            gettext("%(count)d 件を無断不使用にしました"),
        )

    @admin.action(description=_("選択した予約を取り消す（管理者による取消）"))
    def cancel_selected(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda r: actions.cancel(actor=request.user, reservation=r, reason="管理画面から取消"),
            gettext("%(count)d 件を取り消しました"),
        )
