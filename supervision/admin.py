"""The joint review meeting in the admin: read for support; changes go through the API's services."""

from django.contrib import admin

from .models import AgendaItem, Meeting, MeetingFlag


class ReadOnlyAdmin(admin.ModelAdmin):
    """Flags, meetings and minutes carry case events written with them; editing here would bypass those."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MeetingFlag)
class MeetingFlagAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "state", "flagged_by", "flagged_at", "times_deferred"]
    list_filter = ["state", "kind"]
    search_fields = ["case__number", "case__title", "reason"]
    list_select_related = ["case", "flagged_by"]


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    fk_name = "meeting"
    fields = ["position", "flag", "outcome", "times_deferred", "deferred_from", "decision", "decision_public"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "held_on", "jurisdiction", "chair", "state"]
    list_filter = ["state", "jurisdiction"]
    list_select_related = ["jurisdiction", "chair"]
    inlines = [AgendaItemInline]
