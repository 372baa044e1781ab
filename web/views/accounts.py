"""Getting in: invitations (sent by those who serve an enterprise and by administrators, accepted by the
invited person through their link), changing a password, and a password reset by e-mail.

Reads go through ``accounts.selectors``, writes through ``accounts.services``; Django's own views set a
password from a reset link, with our templates.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_fsm import has_transition_perm

from accounts.lockout import client_ip
from accounts.models import InvitationState
from accounts.permissions import is_administrator, may_invite_anyone, may_invite_for_enterprise, may_invite_officials
from accounts.selectors import contacts_of, invitation_for_user, invitations_in_state, invitations_visible_to
from accounts.services import invitations as services
from accounts.services.people import password_reset_request
from accounts.throttles import password_reset_wait, password_reset_wait_message
from core.errors import ApplicationError, Conflict, InvalidInput, NotFound
from core.pagination import KeysFirstPaginator
from enterprises.access import roles_for_user
from enterprises.models import Enterprise

from ..actions import perform
from ..forms.accounts import (
    ChoosePasswordForm,
    EnterpriseSearchForm,
    InviteContactForm,
    InviteExistingContactForm,
    InviteOfficialForm,
    LockoutAwarePasswordChangeForm,
    PasswordResetRequestForm,
)

PAGE_SIZE = 20
SEARCH_RESULTS = 20
STATE_FILTERS = (InvitationState.PENDING, InvitationState.ACCEPTED, InvitationState.REVOKED, InvitationState.EXPIRED)


def refusal_to_form(form, refusal: ApplicationError) -> None:
    """A service's refusal shown where it belongs: on its field, or above the form."""
    placed = False
    for field, problems in refusal.fields.items():
        if field in form.fields:
            for problem in problems:
                form.add_error(field, str(problem))
            placed = True
    if not placed:
        form.add_error(None, str(refusal.message))


# --- invitations --------------------------------------------------------------------------------------------


@login_required
def invitations(request: HttpRequest) -> HttpResponse:
    """The invitations the person sent or that concern the enterprises they serve, newest first."""
    if not may_invite_anyone(request.user):
        raise PermissionDenied
    rows = invitations_visible_to(request.user).order_by("-created_at", "-id")
    state = request.GET.get("state", "")
    if state in STATE_FILTERS:
        rows = invitations_in_state(rows, state)
    page = KeysFirstPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/invitations/list.html",
        {
            "page": page,
            "state": state,
            "states": [(value, InvitationState(value).label) for value in STATE_FILTERS],
            "query": urlencode({"state": state} if state else {}),
            "may_invite_officials": may_invite_officials(request.user),
            "revocable": {
                row.pk
                for row in page
                if row.current_state == InvitationState.PENDING and has_transition_perm(row.revoke, request.user)
            },
        },
    )


def issued(request: HttpRequest, issued_invitation) -> HttpResponse:
    """The link, this once: rendered as the answer to the POST, never stored or put in a redirect."""
    return render(
        request,
        "web/invitations/sent.html",
        {"invitation": issued_invitation.invitation, "link": issued_invitation.link},
    )


def enterprise_to_invite_for(request: HttpRequest) -> Enterprise | None:
    chosen = request.GET.get("enterprise", "") or request.POST.get("enterprise", "")
    if not chosen.isdigit():
        return None
    enterprise = Enterprise.objects.select_related("township").filter(pk=chosen, is_active=True).first()
    if enterprise is None or not may_invite_for_enterprise(request.user, enterprise.pk):
        raise PermissionDenied
    return enterprise


@login_required
def invitation_new(request: HttpRequest) -> HttpResponse:
    """Invite a contact of an enterprise (?enterprise=), or, for an administrator, an official (?kind=official).

    Without an enterprise: a cadre chooses among those they serve, an administrator searches for one.
    """
    if not may_invite_anyone(request.user):
        raise PermissionDenied
    if request.GET.get("kind") == "official":
        return invitation_new_official(request)
    enterprise = enterprise_to_invite_for(request)
    if enterprise is None:
        return choose_enterprise(request)
    form = InviteContactForm(request.POST if request.method == "POST" and "existing" not in request.POST else None)
    if request.method == "POST":
        one_click = InviteExistingContactForm(request.POST)
        if "existing" in request.POST and one_click.is_valid():
            values = one_click.cleaned_data
        elif form.is_valid():
            values = form.cleaned_data
        else:
            values = None
        if values is not None:
            try:
                invitation = services.invitation_create(acting_user=request.user, enterprise=enterprise, **values)
                return issued(request, invitation)
            except ApplicationError as refusal:
                if form.is_bound:
                    refusal_to_form(form, refusal)
                else:
                    messages.error(request, refusal.message)
    return render(
        request,
        "web/invitations/new_contact.html",
        {"enterprise": enterprise, "form": form, "contacts": contacts_of(enterprise)},
        status=400 if request.method == "POST" else 200,
    )


def choose_enterprise(request: HttpRequest) -> HttpResponse:
    roles = roles_for_user(request.user)
    search = EnterpriseSearchForm(request.GET)
    found = Enterprise.objects.none()
    if is_administrator(request.user):
        words = search.cleaned_data["q"].strip() if search.is_valid() else ""
        if words:
            found = Enterprise.objects.filter(Q(name__icontains=words) | Q(credit_code__iexact=words), is_active=True)
    else:
        found = Enterprise.objects.filter(pk__any_of=roles.served_enterprise_ids, is_active=True)
    return render(
        request,
        "web/invitations/choose_enterprise.html",
        {
            "search": search if is_administrator(request.user) else None,
            "enterprises": found.select_related("township").order_by("name", "id")[:SEARCH_RESULTS],
        },
    )


def invitation_new_official(request: HttpRequest) -> HttpResponse:
    if not may_invite_officials(request.user):
        raise PermissionDenied
    form = InviteOfficialForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            return issued(request, services.invitation_create(acting_user=request.user, **form.cleaned_data))
        except ApplicationError as refusal:
            refusal_to_form(form, refusal)
    return render(request, "web/invitations/new_official.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    try:
        invitation = invitation_for_user(request.user, invitation_id)
    except NotFound:
        raise PermissionDenied from None
    perform(
        request,
        lambda: services.invitation_revoke(invitation=invitation, acting_user=request.user),
        success=_("The invitation was revoked: its link no longer works."),
    )
    return redirect("web:invitations")


def invitation_accept(request: HttpRequest, invitation_id: int, token: str) -> HttpResponse:
    """The invited person's page: choose a password, and be logged in. Open to anyone holding the link."""
    try:
        invitation = services.invitation_by_link(invitation_id=invitation_id, token=token)
    except NotFound:
        return render(request, "web/invitations/invalid.html", status=404)
    if invitation.state != InvitationState.PENDING:
        return render(request, "web/invitations/ended.html", {"invitation": invitation}, status=410)
    form = ChoosePasswordForm(invitation.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.invitation_accept(
                invitation_id=invitation.pk, token=token, password=form.cleaned_data["new_password1"]
            )
        except (Conflict, NotFound):
            return render(request, "web/invitations/invalid.html", status=404)
        except InvalidInput as refusal:
            refusal_to_form(form, refusal)
        else:
            login(request, person, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to Huiyin. Your password is set; log in with it from now on."))
            return redirect("web:home")
    return render(
        request,
        "web/invitations/accept.html",
        {"invitation": invitation, "form": form},
        status=400 if form.errors else 200,
    )


# --- passwords ----------------------------------------------------------------------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view, with the old password checked as a login (the lockout counts it). The session stays;
    every other session and the API token end."""

    template_name = "web/password_change.html"
    form_class = LockoutAwarePasswordChangeForm
    success_url = reverse_lazy("web:home")

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        response = super().form_valid(form)  # keeps this session (update_session_auth_hash)
        messages.success(self.request, _("Your password was changed. Other sessions and your API token have ended."))
        return response


def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a reset e-mail. The answer is the same whether or not an account uses the address; the limit
    per address and per network applies to every request alike (``accounts.throttles``)."""
    form = PasswordResetRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        wait = password_reset_wait(email=email, client=client_ip(request))
        if wait is None:
            password_reset_request(email=email, language=get_language())
            return redirect("web:password-reset-sent")
        form.add_error(None, password_reset_wait_message(wait))
        response = render(request, "web/password_reset.html", {"form": form}, status=429)
        response["Retry-After"] = str(wait)
        return response
    return render(request, "web/password_reset.html", {"form": form}, status=400 if form.errors else 200)


def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "web/password_reset_sent.html")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "web/password_reset_confirm.html"
    success_url = reverse_lazy("web:password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "web/password_reset_complete.html"
