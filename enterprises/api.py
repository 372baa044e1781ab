"""Read endpoints for enterprises, units and the current user."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import NotPermitted
from core.filters import DjangoFilterBackend, OrderingFilter, SearchFilter
from core.people import user_name

from .access import roles_for_user
from .models import LOCAL_UNIT_KINDS, Enterprise, Unit
from .selectors import enterprises_visible_to, units_visible_to


class PersonSerializer(serializers.Serializer):
    """A person as every API response names them: id, username and display name."""

    id = serializers.IntegerField(source="pk")
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user_name(user)


class ServiceAssignmentSerializer(serializers.Serializer):
    leader = PersonSerializer(allow_null=True)
    unit = serializers.CharField(source="unit.name")
    unit_id = serializers.IntegerField()
    cadre = PersonSerializer(allow_null=True)
    local_contact = PersonSerializer(allow_null=True)
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


class EnterpriseInput(serializers.ModelSerializer):
    """Registering an enterprise: the credit code is checked against its GB 32100-2015 check digit."""

    township = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(kind__in=LOCAL_UNIT_KINDS))

    class Meta:
        model = Enterprise
        fields = ["name", "credit_code", "industry", "address", "township"]

    def validate_credit_code(self, value: str) -> str:
        code = value.strip().upper()
        if Enterprise.objects.filter(credit_code=code).exists():
            raise serializers.ValidationError(_("An enterprise with this credit code is already registered."))
        return code


class UnitSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")

    class Meta:
        model = Unit
        fields = ["id", "name", "kind", "kind_display", "parent"]


class EnterpriseViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = EnterpriseSerializer
    filter_backends = [DjangoFilterBackend, SearchFilter, OrderingFilter]
    search_fields = ["name", "credit_code"]
    ordering_fields = ["name"]
    filterset_fields = ["township", "is_active"]

    def get_queryset(self):
        return enterprises_visible_to(self.request.user).order_by("name", "id")

    @extend_schema(summary="Register an enterprise (dispatchers and supervisors)", request=EnterpriseInput)
    def create(self, request, *args, **kwargs):
        roles = roles_for_user(request.user)
        if not (roles.is_dispatcher or roles.is_supervisor):
            raise NotPermitted(_("Only dispatchers and supervisors register enterprises."))
        serializer = EnterpriseInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        enterprise = serializer.save()
        return Response(EnterpriseSerializer(self.get_queryset().get(pk=enterprise.pk)).data, status=201)


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
        return user_name(user)

    def get_roles(self, user) -> list[str]:
        roles = roles_for_user(user)
        names = sorted(roles.roles)
        return ["enterprise", *names] if roles.is_enterprise_user else names

    def get_memberships(self, user) -> list[dict]:
        rows = user.unit_memberships.select_related("unit", "unit__parent")
        return MembershipSerializer(rows, many=True).data  # type: ignore[return-value]  # many=True gives a list; the stubs type the one object's dict

    def get_enterprises(self, user) -> list[dict]:
        ids = roles_for_user(user).contact_enterprise_ids
        return list(Enterprise.objects.filter(pk__in=ids).values("id", "name"))  # type: ignore[arg-type]  # .values() rows, TypedDicts to the stubs

    def get_served_enterprises(self, user) -> list[dict]:
        ids = roles_for_user(user).served_enterprise_ids
        return list(Enterprise.objects.filter(pk__in=ids).values("id", "name"))  # type: ignore[arg-type]  # .values() rows, TypedDicts to the stubs


class MeView(APIView):
    @extend_schema(summary="The current user with roles", responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)
