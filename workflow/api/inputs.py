"""What the case API reads: the bodies of filing a case, of each action, of a comment and of an upload.

Apart from what it writes because each body is read by one view only, its ids checked against what the
requesting user may use.
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.models import Category, Complexity, ResolutionType, Satisfaction, UrgingLevel, Visibility
from cases.selectors import cases_visible_to
from core import limits
from core.api import IdField
from enterprises.access import roles_for_user
from enterprises.models import Enterprise, KeyProject, Unit
from enterprises.selectors import enterprises_user_files_for

User = get_user_model()


@extend_schema_field(OpenApiTypes.INT)
class UserScopedField(serializers.PrimaryKeyRelatedField):
    """A primary key looked up only among the rows the requesting user may use, so ids of others are 400."""

    def __init__(self, scope, **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scope(self.context["request"].user)


class CaseFileInput(serializers.Serializer):
    enterprise = UserScopedField(
        enterprises_user_files_for,
        required=False,
        help_text="Optional for a user who acts for exactly one enterprise.",
    )
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.filter(is_active=True))
    title = serializers.CharField(max_length=limits.TITLE)
    description = serializers.CharField(max_length=limits.DESCRIPTION)
    complexity = serializers.ChoiceField(choices=Complexity.choices, default=Complexity.ORDINARY)
    follows_up = UserScopedField(cases_visible_to, required=False, allow_null=True)
    project = serializers.PrimaryKeyRelatedField(
        queryset=KeyProject.objects.all(),
        required=False,
        allow_null=True,
        help_text="The enterprise's active key project the problem blocks (挂图作战); another's is refused (400).",
    )

    def validate(self, attrs):
        if "enterprise" not in attrs:
            roles = roles_for_user(self.context["request"].user)
            if len(roles.contact_enterprise_ids) != 1:
                raise serializers.ValidationError({"enterprise": [_("Choose the enterprise the problem is for.")]})
            attrs["enterprise"] = Enterprise.objects.get(pk=next(iter(roles.contact_enterprise_ids)))
        return attrs


class VersionedInput(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, help_text="The case version the client saw; a newer case answers 409."
    )


class AssignInput(VersionedInput):
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(is_active=True))
    response_due_at = serializers.DateTimeField(required=False, allow_null=True)
    resolution_due_at = serializers.DateTimeField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.NOTE)


class ReassignInput(VersionedInput):
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(is_active=True), required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.NOTE)


class ReasonInput(VersionedInput):
    reason = serializers.CharField(max_length=limits.REASON)


class ResolveInput(VersionedInput):
    resolution_type = serializers.ChoiceField(choices=ResolutionType.choices)
    reply = serializers.CharField(max_length=limits.REPLY)


class CloseInput(VersionedInput):
    satisfaction = serializers.ChoiceField(
        choices=Satisfaction.choices,
        required=False,
        allow_null=True,
        help_text="Required from the enterprise: 5 very satisfied … 1 very dissatisfied.",
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.NOTE)


class MergeInput(VersionedInput):
    into = IdField(help_text="The id of the enterprise's other open case that answers this one.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.NOTE)


class UrgeInput(VersionedInput):
    level = serializers.ChoiceField(choices=UrgingLevel.choices, help_text="0 clears; 1 催办, 2 督办, 3 挂牌督办.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.NOTE)
    answer_due_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Required when raising the level."
    )


class ExtensionInput(serializers.Serializer):
    requested_due_date = serializers.DateField(help_text="A working day after the current resolution deadline.")
    reason = serializers.CharField(max_length=limits.REASON)


class PauseInput(VersionedInput):
    needed = serializers.CharField(
        max_length=limits.REASON, help_text="What the enterprise must supply, or what the case waits for; it reads it."
    )
    reason = serializers.CharField(max_length=limits.REASON, help_text="Why the clock stops; officials only.")
    expected_date = serializers.DateField(
        help_text="A working day after today: the clock runs again after it at the latest."
    )


class DecisionInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.NOTE)


class CommentInput(serializers.Serializer):
    body = serializers.CharField(max_length=limits.COMMENT)
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.PUBLIC)


class AttachmentInput(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.PUBLIC)
