from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from satuanak.accounts.models import Agency, User


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin[Agency]):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    list_display = ["username", "role", "agency", "area_level", "area_kecamatan", "is_active"]
    list_filter = ["role", "area_level"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Peran dan wilayah", {"fields": ("role", "agency", "area_level", "area_kecamatan", "area_desa")}),
    )
    filter_horizontal = ["area_desa", "groups", "user_permissions"]
