"""Read endpoints for enterprises, units and the current user."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from .access import roles_for_user
from .models import Enterprise, Unit
from .selectors import enterprises_visible_to, units_visible_to


class PersonField(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


class ServiceAssignmentSerializer(serializers.Serializer):
    leader = PersonField(allow_null=True)
    unit = serializers.CharField(source="unit.name")
    unit_id = serializers.IntegerField()
    cadre = PersonField(allow_null=True)
    local_contact = PersonField(allow_null=True)
    started_at = serializers.DateTimeField()


class EnterpriseSerializer(serializers.ModelSerializer):
    township = serializers.CharField(source="township.name")
    service = serializers.SerializerMethodField()

    class Meta:
        model = Enterprise
        fields = ["id", "name", "credit_code", "industry", "address", "township", "is_active", "service"]

    def get_service(self, enterprise) -> dict | None:
        current = enterprise.current_services[0] if enterprise.current_services else None
        return ServiceAssignmentSerializer(current).data if current else None


class UnitSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")

    class Meta:
        model = Unit
        fields = ["id", "name", "kind", "kind_display", "parent"]


class EnterpriseViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = EnterpriseSerializer
    search_fields = ["name", "credit_code"]
    ordering_fields = ["name"]
    filterset_fields = ["township", "is_active"]

    def get_queryset(self):
        return enterprises_visible_to(self.request.user).order_by("name", "id")


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = UnitSerializer
    filterset_fields = ["kind", "parent"]
    pagination_class = None

    def get_queryset(self):
        return units_visible_to(self.request.user)


class MembershipSerializer(serializers.Serializer):
    role = serializers.CharField()
    role_display = serializers.CharField(source="get_role_display")
    unit = UnitSerializer()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    username = serializers.CharField()
    name = serializers.SerializerMethodField()
    is_superuser = serializers.BooleanField()
    roles = serializers.SerializerMethodField()
    memberships = serializers.SerializerMethodField()
    enterprises = serializers.SerializerMethodField()
    served_enterprises = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()

    def get_roles(self, user) -> list[str]:
        roles = roles_for_user(user)
        names = sorted(roles.roles)
        return ["enterprise", *names] if roles.is_enterprise_user else names

    def get_memberships(self, user) -> list[dict]:
        rows = user.unit_memberships.select_related("unit", "unit__parent")
        return MembershipSerializer(rows, many=True).data

    def get_enterprises(self, user) -> list[dict]:
        ids = roles_for_user(user).contact_enterprise_ids
        return list(Enterprise.objects.filter(pk__in=ids).values("id", "name"))

    def get_served_enterprises(self, user) -> list[dict]:
        ids = roles_for_user(user).served_enterprise_ids
        return list(Enterprise.objects.filter(pk__in=ids).values("id", "name"))


class MeView(APIView):
    @extend_schema(summary="The current user with roles", responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)
