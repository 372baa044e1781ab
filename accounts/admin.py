"""The admin of accounts: invitations to read (and revoke), and the deactivation of user accounts.

Invitations are made on the invitations page, which shows the link once; the admin never shows one.
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.errors import ApplicationError

from .models import Invitation, InvitationEvent, InvitationState
from .services.invitations import invitation_revoke
from .services.people import user_deactivate


class InvitationEventInline(admin.TabularInline):
    model = InvitationEvent
    extra = 0
    fields = readonly_fields = ("at", "action", "actor", "reason")
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "enterprise", "unit", "role", "state", "invited_by", "created_at", "mail_status"]
    list_filter = ["state", "kind", "mail_status"]
    search_fields = ["user__username", "user__first_name", "email", "enterprise__name", "invited_by__username"]
    list_select_related = ["user", "enterprise", "unit", "invited_by"]
    inlines = [InvitationEventInline]
    actions = ["revoke_selected"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Invitation._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected pending invitations"))
    def revoke_selected(self, request, queryset) -> None:
        revoked = 0
        for invitation in queryset.filter(state=InvitationState.PENDING):
            try:
                invitation_revoke(invitation=invitation, acting_user=request.user)
                revoked += 1
            except ApplicationError as refusal:
                self.message_user(request, f"{invitation}: {refusal.message}", messages.ERROR)
        self.message_user(
            request,
            ngettext("%(count)d invitation revoked.", "%(count)d invitations revoked.", revoked) % {"count": revoked},
        )


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class HuiyinUserAdmin(UserAdmin):
    """Django's user admin, with a deactivation that ends the accounts' sessions and tokens at once (so does
    unticking "active" in the form, through ``accounts.receivers``)."""

    actions = ["deactivate_selected"]

    @admin.action(description=_("Deactivate the selected accounts (their sessions and API tokens end now)"))
    def deactivate_selected(self, request, queryset) -> None:
        deactivated = 0
        for user in queryset.filter(is_active=True):
            try:
                user_deactivate(user=user, acting_user=request.user)
            except ApplicationError as refusal:
                self.message_user(request, f"{user}: {refusal.message}", messages.ERROR)
                continue
            self.log_change(request, user, [{"changed": {"fields": ["is_active"]}}])
            deactivated += 1
        self.message_user(
            request,
            ngettext("%(count)d account deactivated.", "%(count)d accounts deactivated.", deactivated)
            % {"count": deactivated},
        )
