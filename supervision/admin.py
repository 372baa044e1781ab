from django.contrib import admin

from .models import RecheckItem, RecheckSample


class RecheckItemInline(admin.TabularInline):
    model = RecheckItem
    fields = ["position", "case", "unit", "assignee", "method", "method_other", "result", "note", "checked_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RecheckSample)
class RecheckSampleAdmin(admin.ModelAdmin):
    """Read-only: a sample is drawn and its re-checks recorded through the API, where the rules are kept."""

    list_display = ["period", "jurisdiction", "rate_percent", "population_size", "seed", "drawn_by", "drawn_at"]
    list_filter = ["period"]
    list_select_related = ["jurisdiction", "drawn_by"]
    inlines = [RecheckItemInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
