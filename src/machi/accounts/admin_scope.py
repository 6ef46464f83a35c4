"""The admin held to the same scope as the write actions.

Machi's roles, not Django's model permissions, decide what a person may see and
change in the admin: city administrators everything, ward staff their wards'
rows. Rows out of scope are not listed, and opening one by its URL is refused.
The actions the admin saves through check the scope again.
"""

from django.contrib import admin
from django.db.models import Q

from machi.accounts.queries import can_manage_ward, is_city_admin, is_staff_anywhere, staff_ward_ids


class WardScopedAdmin(admin.ModelAdmin):
    # The path from the model to its ward ("ward", "programme__ward", …).
    ward_path = "ward"

    def _ward_id(self, obj) -> int | None:
        target = obj
        for part in self.ward_path.split("__"):
            target = getattr(target, part, None)
            if target is None:
                return None
        return target.pk

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        wards = staff_ward_ids(request.user)
        return queryset if wards is None else queryset.filter(Q(**{f"{self.ward_path}__in": wards}))

    def has_module_permission(self, request):
        return is_staff_anywhere(request.user)

    def has_view_permission(self, request, obj=None):
        return is_staff_anywhere(request.user) and (obj is None or self._in_scope(request, obj))

    def has_add_permission(self, request):
        return is_staff_anywhere(request.user)

    def has_change_permission(self, request, obj=None):
        return is_staff_anywhere(request.user) and (obj is None or self._in_scope(request, obj))

    def has_delete_permission(self, request, obj=None):
        return is_staff_anywhere(request.user) and (obj is None or self._in_scope(request, obj))

    def _in_scope(self, request, obj) -> bool:
        ward_id = self._ward_id(obj)
        return is_city_admin(request.user) if ward_id is None else can_manage_ward(request.user, ward_id)

    def get_form(self, request, obj=None, **kwargs):
        """Choices limited to the wards in scope (ward staff cannot pick another ward's programme)."""
        form = super().get_form(request, obj, **kwargs)
        wards = staff_ward_ids(request.user)
        if wards is None:
            return form

        class ScopedForm(form):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                for name, path in SCOPED_CHOICES.items():
                    field = self.fields.get(name)
                    if field is not None and hasattr(field, "queryset"):
                        field.queryset = field.queryset.filter(**{f"{path}__in": wards})

        return ScopedForm


# Form fields whose choices belong to a ward, and the path from a choice to its ward.
SCOPED_CHOICES = {
    "ward": "pk",
    "programme": "ward",
    "pillar": "programme__ward",
    "project": "programme__ward",
}


class CityAdminOnlyAdmin(admin.ModelAdmin):
    """Models only a city administrator changes; staff of any ward may look."""

    def has_module_permission(self, request):
        return is_staff_anywhere(request.user)

    def has_view_permission(self, request, obj=None):
        return is_staff_anywhere(request.user)

    def has_add_permission(self, request):
        return is_city_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_city_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_city_admin(request.user)
