from django.contrib import admin

from satuanak.facilities.models import HealthFacility, Posyandu, School


@admin.register(HealthFacility)
class HealthFacilityAdmin(admin.ModelAdmin[HealthFacility]):
    list_display = ["code", "name", "kind", "kecamatan", "child_friendly"]
    list_filter = ["kind", "child_friendly"]
    search_fields = ["code", "name"]
    filter_horizontal = ["service_area"]


@admin.register(Posyandu)
class PosyanduAdmin(admin.ModelAdmin[Posyandu]):
    list_display = ["code", "name", "desa", "puskesmas", "is_synthetic"]
    list_filter = ["puskesmas"]
    search_fields = ["code", "name"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin[School]):
    list_display = ["npsn", "name", "level", "kecamatan", "is_synthetic"]
    list_filter = ["level", "kecamatan"]
    search_fields = ["npsn", "name"]
