"""Template helpers for what every list shows: deadlines in working days and states, the same on each page."""

import unicodedata
from datetime import datetime
from functools import cache

from django import template
from django.db.models import Field, Model
from django.template.defaultfilters import stringfilter, truncatechars
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import links
from workflow.workdays import SHANGHAI, WorkCalendar

from ..markup import choice_markup, field_markup, fields_markup

register = template.Library()


def shanghai(moment: datetime) -> str:
    """Asia/Shanghai to the minute, what ``date_format(..., "Y-m-d H:i")`` writes in an eighth of its time: a list
    shows two or three such times a row."""
    return timezone.localtime(moment, SHANGHAI).strftime("%Y-%m-%d %H:%M")


def deadline_text(calendar: WorkCalendar, due_at: datetime, now: datetime) -> tuple[str, str]:
    """The words and the tone of a deadline: time left or late, counted in working days."""
    if due_at > now:
        left = calendar.workdays_between(now, due_at)
        if left == 0:
            return _("Due today"), "soon"
        text = ngettext("%(days)d working day left", "%(days)d working days left", left) % {"days": left}
        return text, "soon" if left <= 1 else "ok"
    late = calendar.workdays_between(due_at, now)
    if late == 0:
        return _("Overdue since today"), "late"
    return ngettext("%(days)d working day overdue", "%(days)d working days overdue", late) % {"days": late}, "late"


@register.simple_tag(takes_context=True)
def deadline(context, due_at: datetime | None, label: str = ""):
    """A deadline badge; the words carry the meaning, the colour and the mark only repeat it."""
    if due_at is None:
        return ""
    text, tone = deadline_text(context["work_calendar"], due_at, context.get("now") or timezone.now())
    mark = {"late": "!", "soon": "◔", "ok": "○"}[tone]
    return format_html(
        '<span class="deadline deadline--{}" title="{}"><span aria-hidden="true">{} </span>{}{}</span>',
        tone,
        _("Due %(when)s (Beijing time)") % {"when": shanghai(due_at)},
        mark,
        f"{label}: " if label else "",
        text,
    )


@register.filter
def local_time(moment: datetime | None) -> str:
    """A timestamp as people in the district read it: Asia/Shanghai, to the minute."""
    return shanghai(moment) if moment else ""


@register.filter
def machine_time(moment: datetime | None) -> str:
    """A ``<time datetime>`` value: what ``|date:"c"`` writes (ISO 8601 in the current time zone), without
    Django's formatter, which cost a list a fifth of its rows' drawing."""
    return timezone.localtime(moment).isoformat() if moment else ""


@register.filter(is_safe=True)
@stringfilter
def shortened(text: str, length: int) -> str:
    """``|truncatechars:length``, without walking a text that is already short enough, as most are: Django's
    normalizes every text and counts its characters one by one. A short text comes back as Django's would,
    normalized (NFC); one that is not, or is longer, goes through Django's."""
    if len(text) <= length and unicodedata.is_normalized("NFC", text):
        return text
    return truncatechars(text, length)


@cache
def choice_labels(field: Field) -> dict:
    """A field's choices by value, with their lazy labels: built once per process, translated when shown."""
    return dict(field.flatchoices)


@register.filter
def display(instance: Model, field_name: str) -> str:
    """What ``instance.get_<field_name>_display()`` shows. Django's rebuilds and translates every choice of the
    field on each call; a list showing a state or a level on each row paid that twenty times."""
    value = getattr(instance, field_name)
    return str(choice_labels(instance._meta.get_field(field_name)).get(value, value))


@register.simple_tag
def state_badge(case):
    """The case's state; a case whose resolution clock is paused (挂起) says so beside it, on every list."""
    badge = format_html('<span class="state state--{}">{}</span>', case.state, display(case, "state"))
    if getattr(case, "paused_until", None) is None:
        return badge
    # One element, so that a flex row (the case page's head) keeps the two badges together.
    return format_html(
        '<span class="states">{} <span class="state state--paused" title="{}">{}</span></span>',
        badge,
        _("Paused until %(when)s (Beijing time)") % {"when": shanghai(case.paused_until)},
        _("Paused"),
    )


@register.simple_tag
def form_field(field) -> str:
    """One field of a form, drawn as ``form_fields`` draws each (``web.markup.field_markup``): for a form whose other
    fields the page draws itself, as a decision's note beside the buttons that carry the decision."""
    return mark_safe(field_markup(field))


@register.simple_tag
def choice_input(choice) -> str:
    """One radio or checkbox of a choice field, the markup of Django's ``choice.tag`` (``web.markup``)."""
    return mark_safe(choice_markup(choice))


@register.simple_tag
def id_url(view_name: str, object_id: int) -> str:
    """``{% url view_name object_id %}`` for a view taking one integer id, from its pattern reversed once."""
    return links.id_url(view_name, object_id)


@register.simple_tag
def fixed_url(view_name: str) -> str:
    """``{% url view_name %}`` for a view without arguments, reversed once: the frame links the same pages on
    every request."""
    return links.fixed_url(view_name)


@register.simple_tag
def form_fields(form) -> str:
    """A form's fields as every page draws them (``web.markup.fields_markup``)."""
    return fields_markup(form)
