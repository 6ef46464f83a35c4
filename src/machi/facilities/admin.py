from django.contrib import admin

from machi.accounts.admin_scope import WardScopedAdmin
from machi.facilities.actions import save_centre
from machi.facilities.models import Centre


@admin.register(Centre)
class CentreAdmin(WardScopedAdmin):
    list_display = ("name", "ward")
    list_filter = ("ward",)
    search_fields = ("name", "name_kana")

    def save_model(self, request, obj, form, change):
        save_centre(actor=request.user, centre=obj)
