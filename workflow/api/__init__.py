"""The case API: what it writes (``serializers``), what it reads (``inputs``), the case views (``cases``) and the
supervisors' decisions on extensions and pauses (``decisions``).

The URL conf takes the three viewsets from here, and the supervision APIs the two small serializers they nest.
"""

from .cases import CaseViewSet
from .decisions import ExtensionViewSet, PauseViewSet
from .serializers import CaseListSerializer, CaseRefSerializer, NamedSerializer

__all__ = [
    "CaseListSerializer",
    "CaseRefSerializer",
    "CaseViewSet",
    "ExtensionViewSet",
    "NamedSerializer",
    "PauseViewSet",
]
