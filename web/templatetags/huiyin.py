"""Template helpers for what every list shows: deadlines in working days and states, the same on each page."""

import html
from datetime import datetime
from functools import cache

from django import template
from django.db.models import Field, Model
from django.forms import HiddenInput, Textarea
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import links
from workflow.workdays import SHANGHAI, WorkCalendar

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


def attributes(attrs: dict) -> str:
    """A widget's attributes as Django's ``attrs.html`` writes them: a true one bare, a false one left out."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


@register.simple_tag
def choice_input(choice) -> str:
    """One radio or checkbox of a choice field, the markup of Django's ``choice.tag``.

    ``tag`` renders three nested widget templates per option; a form of sixty units rendered that way
    cost a list page a fifth of its time.
    """
    data = choice.data
    value = "" if data["value"] is None else f' value="{conditional_escape(str(data["value"]))}"'
    return mark_safe(
        f'<input type="{conditional_escape(data["type"])}" name="{conditional_escape(data["name"])}"'
        f"{value}{attributes(data['attrs'])}>"
    )


@register.simple_tag
def select_options(optgroups) -> str:
    """A select's options and groups, the markup of Django's ``select.html`` between its tags.

    Django includes two templates per option; the dispatch page offers a unit's seventy people in each of
    its twenty forms, and drawing them that way was most of its time.
    """
    parts = []
    for group_name, options, _index in optgroups:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        parts.extend(
            f'\n  <option value="{conditional_escape(str(option["value"]))}"{attributes(option["attrs"])}>'
            f"{conditional_escape(option['label'])}</option>\n"
            for option in options
        )
        if group_name:
            parts.append("\n  </optgroup>")
    return mark_safe("".join(parts))


@register.simple_tag
def id_url(view_name: str, object_id: int) -> str:
    """``{% url view_name object_id %}`` for a view taking one integer id, from its pattern reversed once."""
    return links.id_url(view_name, object_id)


@register.simple_tag
def fixed_url(view_name: str) -> str:
    """``{% url view_name %}`` for a view without arguments, reversed once: the frame links the same pages on
    every request."""
    return links.fixed_url(view_name)


def escaped(text) -> str:
    """``conditional_escape(text)`` for a select's hundreds of values and labels, without the lazy-argument check
    Django's ``escape`` makes on each call (a third of their drawing)."""
    text = str(text)
    return text if isinstance(text, SafeString) else html.escape(text)


def choice_options(choices, values: list[str], *, multiple: bool = False) -> str:
    """What ``select_options`` draws from Django's ``optgroups``, straight from a select's choices and its
    formatted value: ``optgroups`` builds a dictionary per option, some eight hundred on a dispatch page."""
    parts = []
    chosen = False
    for group_value, group_label in choices:
        grouped = isinstance(group_label, list | tuple)
        if grouped:
            parts.append(f'\n  <optgroup label="{escaped(group_value)}">')
        for value, label in group_label if grouped else [("" if group_value is None else group_value, group_label)]:
            selected = (not chosen or multiple) and str(value) in values
            chosen |= selected
            parts.append(
                f'\n  <option value="{escaped(value)}"{" selected" if selected else ""}>{escaped(label)}</option>\n'
            )
        if grouped:
            parts.append("\n  </optgroup>")
    return "".join(parts)


# Django's own message, translated by its catalogue; named so that makemessages leaves it there.
LABEL_END_PUNCTUATION = ":?.!"


def label_markup(field) -> str:
    """``field.label_tag()``, Django's ``label.html`` written directly."""
    form = field.form
    contents: str = conditional_escape(field.label)
    suffix = field.field.label_suffix if field.field.label_suffix is not None else form.label_suffix
    if suffix and field.label and field.label[-1] not in _(LABEL_END_PUNCTUATION):
        contents = f"{contents}{conditional_escape(suffix)}"
    widget = field.field.widget
    field_id = widget.attrs.get("id") or field.auto_id
    if not field_id:
        return contents
    attrs = {}
    if for_id := widget.id_for_label(field_id):
        attrs["for"] = for_id
    if field.field.required and hasattr(form, "required_css_class"):
        attrs["class"] = form.required_css_class
    return f"<label{attributes(attrs)}>{contents}</label>"


def widget_markup(field) -> str:
    """``str(field)``; a hidden input and a text area written directly, any other widget drawn by Django's."""
    widget = field.field.widget
    if type(widget) not in (HiddenInput, Textarea):
        return str(field)
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    attrs = widget.build_attrs(widget.attrs, attrs)
    value = widget.format_value(field.value())
    name = conditional_escape(field.html_name)
    if isinstance(widget, Textarea):
        return f'<textarea name="{name}"{attributes(attrs)}>\n{conditional_escape(value) if value else ""}</textarea>'
    value = "" if value is None else f' value="{conditional_escape(str(value))}"'
    return f'<input type="{widget.input_type}" name="{name}"{value}{attributes(attrs)}>'


@register.simple_tag
def form_fields(form) -> str:
    """A form's fields as every page draws them: errors, hidden inputs, then each field with its label, help and
    errors (``web/partials/form_fields.html``, which draws a form with radios or checkboxes).

    The partial renders a template per label and per widget: the dispatch page's twenty assignment forms spent
    half its time there, the case page's dozen forms a good part of its own.
    """
    fields = list(form)
    if any(getattr(field.field.widget, "input_type", "") in ("radio", "checkbox") for field in fields):
        return render_to_string("web/partials/form_fields.html", {"form": form})
    parts = []
    if errors := form.non_field_errors():
        listed = "".join(f"<p>{conditional_escape(error)}</p>" for error in errors)
        parts.append(f'<div class="message message--error" role="alert">{listed}</div>')
    parts.extend(widget_markup(field) for field in fields if field.is_hidden)
    for field in fields:
        if field.is_hidden:
            continue
        invalid = " field--invalid" if field.errors else ""
        field_id = conditional_escape(field.auto_id)
        parts.append(f'\n<div class="field{invalid}">\n  {label_markup(field)}\n  {widget_markup(field)}')
        if field.help_text:
            parts.append(f'\n  <p class="help" id="{field_id}_helptext">{conditional_escape(field.help_text)}</p>')
        parts.extend(
            f'\n  <p class="error" id="{field_id}_error">{conditional_escape(error)}</p>' for error in field.errors
        )
        parts.append("\n</div>")
    return mark_safe("".join(parts))
