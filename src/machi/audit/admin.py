"""The audit log in the admin: staff browse it per object and per person; nobody edits it."""

from django.contrib import admin
from django.db.models import Q
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from machi.accounts.admin_scope import WardScopedAdmin
from machi.audit.models import AuditEntry


class KindFilter(admin.SimpleListFilter):
    """Changes, or staff being shown people's data (`record_view`: who looked at whose data)."""

    title = _("種類")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("view", _("閲覧")), ("change", _("変更"))]

    def queryset(self, request, queryset):
        if self.value() == "view":
            return queryset.filter(after__kind="view")
        if self.value() == "change":
            return queryset.filter(Q(after__isnull=True) | ~Q(after__has_key="kind") | ~Q(after__kind="view"))
        return queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(WardScopedAdmin):
    """Ward staff see their wards' entries; entries of no ward (people, tokens) only city administrators.

    Per object: filter by 対象の種類 and search its ID, or follow the object's link.
    Per person: filter by 実行者. 種類 tells the changes from the views of people's data.
    """

    list_display = ("at", "actor_name", "action", "object_type", "object_link", "ward")
    list_filter = (KindFilter, "action", "object_type", "ward", ("actor", admin.RelatedOnlyFieldListFilter))
    search_fields = ("object_repr", "object_id", "actor__username", "action")
    date_hierarchy = "at"
    list_select_related = ("object_type", "ward", "actor")
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
    actions = None

    def lookup_allowed(self, lookup, value, request=None):
        # One object's entries: ?object_type__id__exact=…&object_id=…
        return lookup == "object_id" or super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("実行者名"), ordering="actor_label")
    def actor_name(self, entry):
        # Through the account where there is one: a deleted account shows as deleted-<id>, not its old name.
        return entry.actor.get_username() if entry.actor_id else entry.actor_label

    @admin.display(description=_("対象"), ordering="object_repr")
    def object_link(self, entry):
        same_object = f"?object_type__id__exact={entry.object_type_id}&object_id={entry.object_id}"
        return format_html('<a href="{}">{}</a>', same_object, entry.object_repr)
