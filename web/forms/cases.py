"""The forms of the case pages. They parse and label input; the workflow services decide."""

from collections.abc import Iterable

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.defaultfilters import filesizeformat
from django.utils.choices import BaseChoiceIterator
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from cases.models import Category, ResolutionType, Satisfaction, Visibility
from core import limits
from core.errors import InvalidInput
from core.people import person_name
from enterprises.models import KeyProject, Role, UnitMembership
from enterprises.selectors import assignable_memberships
from web.markup import DrawnSelect, select_markup
from workflow.attachments import content_type_for_upload

User = get_user_model()


class VersionedForm(forms.Form):
    """Every action form carries the version of the case the user saw, so a stale page is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AcceptForm(VersionedForm):
    pass


class ReasonForm(VersionedForm):
    reason = forms.CharField(label=_("Reason"), max_length=limits.REASON, widget=forms.Textarea(attrs={"rows": 3}))


class SendBackForm(ReasonForm):
    reason = forms.CharField(
        label=_("Why is this case not yours?"),
        help_text=_("The dispatcher reads this to route the case again."),
        max_length=limits.REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReopenForm(ReasonForm):
    reason = forms.CharField(
        label=_("Why is the solution not acceptable?"),
        max_length=limits.REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WithdrawForm(ReasonForm):
    reason = forms.CharField(
        label=_("Why do you withdraw the problem?"),
        max_length=limits.REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MergeForm(VersionedForm):
    """并单: the case of the page is closed into the enterprise's other open case ``into``."""

    into = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=limits.NOTE, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResolveForm(VersionedForm):
    resolution_type = forms.ChoiceField(label=_("Outcome"), choices=ResolutionType.choices)
    reply = forms.CharField(
        label=_("Reply to the enterprise"),
        help_text=_("The enterprise reads this reply and confirms or rejects it."),
        max_length=limits.REPLY,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class CloseForm(VersionedForm):
    """The enterprise rates the service when it confirms; a supervisor closing it does not."""

    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you with the service?"),
        choices=Satisfaction.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=limits.NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, rates: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not rates:
            del self.fields["satisfaction"]
            del self.fields["comment"]


def assignment_value(unit_id: int, user_id: int) -> str:
    return f"{unit_id}:{user_id}"


# What an option of the assignment select shows, read as rows of ``assignable_memberships(...).values_list(...)``:
# a dispatch page offers some four hundred people, and loading each as a membership with its user and unit took
# five times as long as the rows.
ASSIGNABLE_COLUMNS = (
    "unit_id",
    "user_id",
    "role",
    "unit__name",
    "user__first_name",
    "user__last_name",
    "user__username",
)


def assignable_row(membership: UnitMembership) -> tuple:
    """A loaded membership as a row of ``ASSIGNABLE_COLUMNS``."""
    user = membership.user
    return (
        membership.unit_id,
        membership.user_id,
        membership.role,
        membership.unit.name,
        user.first_name,
        user.last_name,
        user.username,
    )


def assignment_choices(rows: Iterable[tuple]) -> list:
    """Choices grouped by unit, a unit head marked as such, from rows of ``ASSIGNABLE_COLUMNS``."""
    groups: dict = {}
    for unit_id, user_id, role, unit_name, first_name, last_name, username in rows:
        name = person_name(first_name=first_name, last_name=last_name, username=username)
        if role == Role.UNIT_HEAD:
            name = _("%(name)s (head)") % {"name": name}
        groups.setdefault(unit_name, []).append((assignment_value(unit_id, user_id), name))
    return list(groups.items())


class OfferedChoices(BaseChoiceIterator):
    """Choices already in the form Django normalizes them to, which a widget then keeps as they are: the dispatch
    page's twenty forms offer the same few units' people, and normalizing them again for each form cost more than
    drawing them."""

    def __init__(self, choices: list) -> None:
        self.choices = choices

    def __iter__(self):
        return iter(self.choices)


class SearchableSelect(DrawnSelect):
    """A select with a search box above it whose typing replaces the options (htmx), for a choice among
    thousands that no page should send whole. Without JavaScript the options first shown remain."""

    def __init__(self, *args, search_url: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.search_url = search_url

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        attrs = self.build_attrs(self.attrs, attrs)
        select_id = conditional_escape(attrs.get("id", ""))
        # Outside the f-string: makemessages does not read inside one, and would drop their translations.
        placeholder = conditional_escape(_("Type a name or a unit to find more"))
        label = conditional_escape(_("Find in the list below"))
        # form="searchable-detached" names no form: the box sends its text to the search only, never with the form.
        return mark_safe(
            '<div class="searchable">\n'
            f'  <input type="search" name="q" form="searchable-detached" class="searchable__query" '
            f'id="{select_id}_search" autocomplete="off"\n'
            f'         placeholder="{placeholder}" aria-label="{label}"\n'
            f'         aria-controls="{select_id}" hx-get="{conditional_escape(self.search_url)}" '
            'hx-trigger="input changed delay:250ms, search"\n'
            f'         hx-target="#{select_id}" hx-swap="innerHTML" hx-sync="this:replace">\n'
            f"  {select_markup(self, name, value, attrs)}\n</div>"
        )


class AssignForm(VersionedForm):
    """One choice names a person and the unit they work in, so the two can never disagree.

    The select first offers a few people (the suggested route, the unit's people); the search box finds
    anyone else assignable, and whatever is chosen is checked against the units the user may give it to.
    """

    assignment = forms.CharField(label=_("Assign to"), widget=SearchableSelect())
    note = forms.CharField(
        label=_("Note for the assignee (optional)"),
        required=False,
        max_length=limits.NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, offered: list, unit_ids: frozenset[int] | None, search_url: str, **kwargs) -> None:
        """``offered``: the people first shown, as ``assignment_choices`` groups them."""
        super().__init__(*args, **kwargs)
        self.unit_ids = unit_ids
        widget = self.fields["assignment"].widget
        widget.search_url = search_url
        widget.choices = OfferedChoices([("", _("Choose a cadre")), *offered])

    def clean_assignment(self) -> UnitMembership:
        unit_id, _colon, user_id = self.cleaned_data["assignment"].partition(":")
        membership = None
        if unit_id.isdigit() and user_id.isdigit() and len(unit_id) < 19 and len(user_id) < 19:
            chosen = assignable_memberships(unit_ids=self.unit_ids)
            membership = chosen.filter(unit_id=int(unit_id), user_id=int(user_id)).first()
        if membership is None:
            raise forms.ValidationError(_("Choose a cadre or the head of a unit you may give the case to."))
        # A re-shown form keeps the choice it was sent.
        self.fields["assignment"].widget.choices = [
            ("", _("Choose a cadre")),
            *assignment_choices([assignable_row(membership)]),
        ]
        return membership


def largest_attachment() -> str:
    """The configured limit as people read it ("20.0 MB"), so the help text never promises another."""
    return filesizeformat(settings.HUIYIN["ATTACHMENT_MAX_BYTES"])


class VisibilityForm(forms.Form):
    """A message or file whose readers an official chooses; the enterprise's are always public."""

    visibility = forms.ChoiceField(
        label=_("Who may read it"),
        choices=Visibility.choices,
        initial=Visibility.PUBLIC,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, officials_only_allowed: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not officials_only_allowed:
            del self.fields["visibility"]


class CommentForm(VisibilityForm):
    body = forms.CharField(label=_("Message"), max_length=limits.COMMENT, widget=forms.Textarea(attrs={"rows": 3}))
    field_order = ["body", "visibility"]


def checked_upload(upload) -> None:
    """Refuse a file the service would refuse, before anything is written."""
    try:
        content_type_for_upload(upload)
    except InvalidInput as refusal:
        raise forms.ValidationError(refusal.message, code=refusal.code) from None


class AttachmentForm(VisibilityForm):
    file = forms.FileField(label=_("File"))
    field_order = ["file", "visibility"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("Documents and images up to %(size)s.") % {"size": largest_attachment()}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        checked_upload(upload)
        return upload


class ExtensionForm(forms.Form):
    requested_due_date = forms.DateField(
        label=_("New resolution deadline"),
        help_text=_("A working day after the current deadline."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reason = forms.CharField(
        label=_("Why is more time needed?"), max_length=limits.REASON, widget=forms.Textarea(attrs={"rows": 3})
    )


class PauseForm(VersionedForm):
    needed = forms.CharField(
        label=_("What must the enterprise supply?"),
        help_text=_("The enterprise reads this as your reply, and is told by a notification."),
        max_length=limits.REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    expected_date = forms.DateField(
        label=_("Expected by"),
        help_text=_("A working day after today. After it the deadline runs again by itself."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reason = forms.CharField(
        label=_("Why does the deadline stop? (officials only)"),
        max_length=limits.REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ResumeForm(VersionedForm):
    pass


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each is checked as the service would check it."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, list | tuple) else [data] if data else []
        cleaned = [super(MultipleFileField, self).clean(upload, initial) for upload in uploads]
        for upload in cleaned:
            checked_upload(upload)
        return cleaned


class CategoryChoiceField(forms.ModelChoiceField):
    """Radio cards: each functional group with its one-line description."""

    widget = forms.RadioSelect

    def label_from_instance(self, category: Category) -> str:
        return category.name


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, project: KeyProject) -> str:
        return f"{project.enterprise.name} · {project.name}"


class FileCaseForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("For which enterprise"), queryset=None, empty_label=None)
    category = CategoryChoiceField(
        label=_("What kind of problem is it?"),
        queryset=Category.objects.filter(is_active=True),
        empty_label=None,
    )
    title = forms.CharField(label=_("Title"), max_length=limits.TITLE, help_text=_("One line that names the problem."))
    description = forms.CharField(
        label=_("Description"),
        help_text=_("What happened, since when, and what you need."),
        max_length=limits.DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    project = ProjectChoiceField(
        label=_("Key project (optional)"),
        queryset=None,
        required=False,
        help_text=_("If the problem holds up one of the enterprise's key projects, name it: its board shows it."),
    )
    attachments = MultipleFileField(
        label=_("Attachments (optional)"),
        required=False,
    )

    def __init__(self, *args, enterprises, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = KeyProject.objects.filter(
            enterprise__in=enterprises, is_active=True
        ).select_related("enterprise")
        self.fields["attachments"].help_text = _(
            "Documents and images up to %(size)s each; you can choose several."
        ) % {"size": largest_attachment()}
        self.fields["enterprise"].queryset = enterprises
        self.sole_enterprise = enterprises[0] if len(enterprises) == 1 else None
        if self.sole_enterprise is not None:
            self.fields["enterprise"].widget = forms.HiddenInput()
            self.fields["enterprise"].initial = self.sole_enterprise.pk
