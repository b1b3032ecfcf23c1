"""The steward edits the linkage thresholds here (no code); models themselves come from training."""

from django.contrib import admin
from django.http import HttpRequest

from satuanak.linkage.models import LinkageModel, LinkageRun


@admin.register(LinkageModel)
class LinkageModelAdmin(admin.ModelAdmin[LinkageModel]):
    fields = ["version", "trained_at", "trained_on", "accept_threshold", "review_threshold", "active"]
    list_display = ["pk", "version", "trained_at", "trained_on", "accept_threshold", "review_threshold"]
    readonly_fields = ["version", "trained_at", "trained_on"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a model is made by training (`satuanak linkage run --retrain`)


@admin.register(LinkageRun)
class LinkageRunAdmin(admin.ModelAdmin[LinkageRun]):
    list_display = ["pk", "kind", "status", "started_at", "finished_at", "as_of", "started_by"]
    list_filter = ["status", "kind"]
    readonly_fields = [f.name for f in LinkageRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
