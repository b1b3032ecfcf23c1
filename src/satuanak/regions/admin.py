from django.contrib import admin

from satuanak.regions.models import Desa, Kecamatan


@admin.register(Kecamatan)
class KecamatanAdmin(admin.ModelAdmin[Kecamatan]):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    exclude = ["geometry"]


@admin.register(Desa)
class DesaAdmin(admin.ModelAdmin[Desa]):
    list_display = ["code", "name", "kind", "kecamatan"]
    list_filter = ["kecamatan", "kind"]
    search_fields = ["code", "name"]
    exclude = ["geometry"]
