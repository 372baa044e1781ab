"""The audit log of transitions in the admin: an inline for each model with states, and the whole log to search."""

from typing import TYPE_CHECKING

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_fsm_log.admin import StateLogInline as PackageStateLogInline
from django_fsm_log.models import StateLog

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class StateLogDisplay:
    """The log's columns in the admin's language, with the states' own labels."""

    @admin.display(description=_("at"), ordering="timestamp")
    def at(self, log: StateLog):
        return log.timestamp

    @admin.display(description=_("from state"))
    def from_state(self, log: StateLog) -> str:
        return log.get_source_state_display() or "—"

    @admin.display(description=_("to state"))
    def to_state(self, log: StateLog) -> str:
        return log.get_state_display()

    @admin.display(description=_("by"))
    def actor(self, log: StateLog) -> "StrOrPromise":
        return str(log.by) if log.by_id else _("the system")

    @admin.display(description=_("note"))
    def note(self, log: StateLog) -> str:
        return log.description or ""


class StateLogInline(StateLogDisplay, PackageStateLogInline):
    """Add to the admin of every model with states: its transitions, oldest first, never edited."""

    fields = ("at", "transition", "from_state", "to_state", "actor", "note")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by", "content_type").order_by("timestamp", "id")

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StateLog)
class StateLogAdmin(StateLogDisplay, admin.ModelAdmin):
    """Every logged transition of every model, to search; written only by the transitions themselves."""

    list_display = ["at", "content_type", "object_id", "transition", "from_state", "to_state", "actor", "note"]
    list_filter = ["content_type", "transition"]
    search_fields = ["description", "by__username"]
    list_select_related = ["by", "content_type"]
    date_hierarchy = "timestamp"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
