from django.contrib import admin

from core.admin import StateLogInline

from .models import (
    Enterprise,
    EnterpriseContact,
    KeyProject,
    MasterDataImport,
    ServiceAssignment,
    TaskForceMember,
    Unit,
    UnitMembership,
)
from .services import service_assignment_change


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    autocomplete_fields = ["parent"]


class ContactInline(admin.TabularInline):
    model = EnterpriseContact
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "industry", "township", "is_active"]
    list_filter = ["township", "industry", "is_active"]
    search_fields = ["name", "credit_code"]
    inlines = [ContactInline]


@admin.register(UnitMembership)
class UnitMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role", "jurisdiction"]
    list_filter = ["role", "unit"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    autocomplete_fields = ["user", "unit", "jurisdiction"]


@admin.register(EnterpriseContact)
class EnterpriseContactAdmin(admin.ModelAdmin):
    list_display = ["user", "enterprise", "title", "phone"]
    search_fields = ["user__username", "enterprise__name"]
    autocomplete_fields = ["user", "enterprise"]


@admin.register(ServiceAssignment)
class ServiceAssignmentAdmin(admin.ModelAdmin):
    """A new 包保 period is added, never edited: saving one ends the enterprise's current period."""

    list_display = ["enterprise", "leader", "unit", "cadre", "local_contact", "started_at", "ended_at"]
    list_filter = ["unit", "ended_at"]
    search_fields = ["enterprise__name", "cadre__username", "leader__username"]
    list_select_related = ["enterprise", "leader", "unit", "cadre", "local_contact"]
    autocomplete_fields = ["enterprise", "leader", "unit", "cadre", "local_contact"]
    fields = ["enterprise", "leader", "unit", "cadre", "local_contact", "note", "started_at", "ended_at", "changed_by"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["started_at", "ended_at", "changed_by"]
        return self.fields

    def save_model(self, request, obj, form, change) -> None:
        if change:
            return
        created = service_assignment_change(
            enterprise=obj.enterprise,
            unit=obj.unit,
            cadre=obj.cadre,
            leader=obj.leader,
            local_contact=obj.local_contact,
            changed_by=request.user,
            note=obj.note,
        )
        obj.pk = created.pk
        obj.started_at = created.started_at

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class TaskForceInline(admin.TabularInline):
    model = TaskForceMember
    extra = 0
    autocomplete_fields = ["user", "unit"]


@admin.register(KeyProject)
class KeyProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "enterprise", "stage", "leader", "is_active"]
    list_filter = ["stage", "is_active"]
    search_fields = ["name", "enterprise__name"]
    autocomplete_fields = ["enterprise", "leader"]
    inlines = [TaskForceInline]


@admin.register(MasterDataImport)
class MasterDataImportAdmin(admin.ModelAdmin):
    """Who imported which workbook and what became of it, with the job's log; imports run from the page only."""

    list_display = ["file_name", "requested_by", "created_at", "state", "finished_at"]
    list_filter = ["state"]
    search_fields = ["file_name", "requested_by__username"]
    list_select_related = ["requested_by"]
    exclude = ["file", "report"]
    inlines = [StateLogInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
