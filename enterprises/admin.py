from django.contrib import admin

from .models import Enterprise, EnterpriseContact, ServiceAssignment, Unit, UnitMembership


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
    """History rows are kept: changes go through ``service_assignment_change``, not edits here."""

    list_display = ["enterprise", "leader", "unit", "cadre", "local_contact", "started_at", "ended_at"]
    list_filter = ["unit", "ended_at"]
    search_fields = ["enterprise__name", "cadre__username", "leader__username"]
    readonly_fields = [f.name for f in ServiceAssignment._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
