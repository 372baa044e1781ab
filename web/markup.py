"""HTML written in Python where Django's form templates cost most of a page: the same markup, drawn in one pass.

Django renders a template per label, per widget and per option; the dispatch page's twenty assignment forms (some
eight hundred options) spent half its time there, the case page's dozen forms a good part of its own. Tests hold
each piece equal to what Django's templates draw (web/tests/test_frame.py, test_circular_pages.py).
"""

import html

from django import forms
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


def attributes(attrs: dict) -> str:
    """A widget's attributes as Django's ``attrs.html`` writes them: a true one bare, a false one left out."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def escaped(text) -> str:
    """``conditional_escape(text)`` for a select's hundreds of values and labels, without the lazy-argument check
    Django's ``escape`` makes on each call (a third of their drawing)."""
    text = str(text)
    return text if isinstance(text, SafeString) else html.escape(text)


def choice_options(choices, values: list[str], *, multiple: bool = False) -> str:
    """The options (and groups) of Django's ``select.html``, straight from a select's choices and its formatted
    value: Django's ``optgroups`` builds a dictionary per option, and includes two templates for each."""
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


# Django's widget templates that are its input.html alone (text.html, date.html... include nothing else).
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in ("input", "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time")
    + ("color", "search", "tel", "checkbox")
)
TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"


def widget_markup(field) -> str:
    """``str(field)``. An input, a text area or a plain select is drawn here from the widget's own context (so a
    password still hides its value and a date keeps its format); any other widget by Django's templates."""
    widget = field.field.widget
    plain_select = type(widget) in (forms.Select, forms.SelectMultiple)
    if not plain_select and widget.template_name not in INPUT_TEMPLATES and widget.template_name != TEXTAREA_TEMPLATE:
        return str(field)
    if field.field.localize:
        widget.is_localized = True
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    if plain_select:
        return select_markup(widget, field.html_name, field.value(), widget.build_attrs(widget.attrs, attrs))
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    name, value = conditional_escape(context["name"]), context["value"]
    if widget.template_name == TEXTAREA_TEMPLATE:
        text = conditional_escape(value) if value else ""
        return f'<textarea name="{name}"{attributes(context["attrs"])}>\n{text}</textarea>'
    value = "" if value is None else f' value="{conditional_escape(str(value))}"'
    return f'<input type="{conditional_escape(context["type"])}" name="{name}"{value}{attributes(context["attrs"])}>'


def fields_markup(form) -> str:
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


class DrawnSelect(forms.Select):
    """Django's select, its options drawn by ``choice_options`` in one pass rather than two templates each."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        return mark_safe(select_markup(self, name, value, self.build_attrs(self.attrs, attrs)))


def select_markup(widget: forms.Select, name: str, value, attrs: dict) -> str:
    """Django's ``select.html`` for ``widget`` with ``attrs`` built."""
    if widget.allow_multiple_selected:
        attrs["multiple"] = True
    options = choice_options(widget.choices, widget.format_value(value), multiple=widget.allow_multiple_selected)
    return f'<select name="{conditional_escape(name)}"{attributes(attrs)}>{options}\n</select>'
