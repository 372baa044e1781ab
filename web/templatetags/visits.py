"""Template helpers of the visit pages: in which capacity a visit was made, who holds a duty."""

from django import template
from django.utils.translation import gettext as _

from core.people import user_name
from supervision.visits.models import VisitLevel

register = template.Library()


@register.filter
def visit_levels(visit) -> str:
    """The 包保 levels the visitor served in, as words: "包联干部", or two of them."""
    return "、".join(str(VisitLevel(level).label) for level in visit.levels)


@register.filter
def duty_holder(duty) -> str:
    """Who owes the visit: the person, or at the unit's level the unit's heads."""
    if duty.person is not None:
        return user_name(duty.person)
    return _("The heads of %(unit)s") % {"unit": duty.unit.name}
