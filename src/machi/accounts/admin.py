"""People, roles, groups and tokens in the admin: a city administrator's tools; ward staff see their wards' groups."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from machi.accounts import actions
from machi.accounts.admin_scope import CityAdminOnlyAdmin, WardScopedAdmin
from machi.accounts.models import ApiToken, CommunityGroup, GroupMember, RoleGrant, User
from machi.accounts.queries import is_city_admin


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    fields = ("role", "ward", "centre", "granted_at")
    readonly_fields = ("granted_at",)
    extra = 0

    def has_view_permission(self, request, obj=None):
        return is_city_admin(request.user)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


@admin.register(User)
class UserAdmin(CityAdminOnlyAdmin, DjangoUserAdmin):
    """Only a city administrator manages people and their roles."""

    list_display = ("username", "email", "display_name", "is_active", "email_verified_at", "is_staff")
    list_filter = ("is_active", "is_staff", "role_grants__role", "role_grants__ward")
    search_fields = ("username", "email", "display_name", "name_kana")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            _("プロフィール"),
            {
                "fields": (
                    "display_name",
                    "name_kana",
                    "phone",
                    "school_district",
                    "preferred_language",
                    "email_verified_at",
                    "pending_email",
                )
            },
        ),
    )
    inlines = (RoleGrantInline,)

    def has_module_permission(self, request):
        return is_city_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_city_admin(request.user)

    def user_change_password(self, request, id, form_url=""):
        """A password set here ends the person's API tokens too, as a change or reset does."""
        before = User.objects.filter(pk=id).values_list("password", flat=True).first()
        response = super().user_change_password(request, id, form_url)
        changed = User.objects.filter(pk=id).exclude(password=before).first()
        if request.method == "POST" and before is not None and changed is not None:
            actions.revoke_tokens_on_new_password(actor=request.user, user=changed)
        return response


class GroupMemberInline(admin.TabularInline):
    model = GroupMember
    fields = ("name", "name_kana", "user")
    extra = 0
    raw_id_fields = ("user",)

    def has_view_permission(self, request, obj=None):
        return True

    def has_add_permission(self, request, obj=None):
        return False

    has_change_permission = has_delete_permission = has_add_permission


@admin.register(CommunityGroup)
class CommunityGroupAdmin(WardScopedAdmin):
    """Groups of the wards in scope. Approval goes through the review page (review_group), not this form."""

    list_display = ("name", "kind", "ward", "representative", "status", "created_at", "reviewed_at")
    list_filter = ("status", "kind", "ward")
    search_fields = ("name", "name_kana", "representative__email")
    readonly_fields = [f.name for f in CommunityGroup._meta.fields]
    inlines = (GroupMemberInline,)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(CityAdminOnlyAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "expires_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("prefix", "user__username", "name")
    readonly_fields = ("prefix", "user", "name", "created_at", "last_used_at", "expires_at", "revoked_at")
    exclude = ("digest",)
    actions = ("revoke",)

    def has_module_permission(self, request):
        return is_city_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_city_admin(request.user)

    def has_add_permission(self, request):
        return False  # tokens are made by their owners (web page) or `machi token create`

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("選択したトークンを失効させる"))
    def revoke(self, request, queryset):
        for token in queryset:
            actions.revoke_token(actor=request.user, token=token)
