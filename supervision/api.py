"""What every supervision API shares: its records are government business, so an enterprise user is refused the
whole of each API, with 403."""

from django.utils.functional import Promise
from rest_framework.request import Request

from core.errors import NotPermitted
from enterprises.access import roles_for_user


class OfficialsOnly:
    """Refuses whoever is no official before anything is read, whatever they ask for, with the view's message."""

    officials_only_message: Promise

    def check_permissions(self, request: Request) -> None:
        super().check_permissions(request)  # type: ignore[misc]  # a mixin: an APIView follows it in every view
        if not roles_for_user(request.user).is_official:
            raise NotPermitted(self.officials_only_message, code="not_an_official")
