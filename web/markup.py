"""HTML written in Python where Django's form templates cost most of a page: the same markup, drawn in one pass.

Django renders a template per label, per widget and per option; the dispatch page's twenty assignment forms (some
eight hundred options) spent half its time there, the case page's dozen forms a good part of its own. Tests hold
each piece equal to what Django's templates draw (web/tests/test_frame.py, test_circular_pages.py).
"""

import html

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


def attributes(attrs: dict) -> str:
    """A widget's attributes as Django's ``attrs.html`` writes them: a true one bare, a false one left out."""
    return "".join(
        f" {escaped(name)}" if value is True else f' {escaped(name)}="{escaped(value)}"'
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


def choice_markup(choice) -> str:
    """One radio or checkbox of a choice field, the markup of Django's ``choice.tag()``: ``tag`` renders three
    nested widget templates per option; a form of sixty units rendered that way cost a list page a fifth of its
    time."""
    data = choice.data
    value = "" if data["value"] is None else f' value="{escaped(data["value"])}"'
    return f'<input type="{escaped(data["type"])}" name="{escaped(data["name"])}"{value}{attributes(data["attrs"])}>'


def errors_markup(field) -> str:
    field_id = conditional_escape(field.auto_id)
    return "".join(
        f'\n  <p class="error" id="{field_id}_error">{conditional_escape(error)}</p>' for error in field.errors
    )


def help_markup(field) -> str:
    if not field.help_text:
        return ""
    field_id = conditional_escape(field.auto_id)
    return f'\n  <p class="help" id="{field_id}_helptext">{conditional_escape(field.help_text)}</p>'


def field_markup(field) -> str:
    """One visible field as the partial draws it: radios and checkboxes of a choice in a fieldset, a single
    checkbox before its label, any other widget after it."""
    invalid = " field--invalid" if field.errors else ""
    widget = field.field.widget
    input_type = getattr(widget, "input_type", "")
    if input_type == "radio" or (input_type == "checkbox" and getattr(widget, "allow_multiple_selected", False)):
        # As the partial draws it: a fieldset's help has no id.
        described = f'\n  <p class="help">{conditional_escape(field.help_text)}</p>' if field.help_text else ""
        choices = "".join(
            f'<label class="choice" for="{escaped(choice.id_for_label)}">{choice_markup(choice)} '
            f"{escaped(choice.choice_label)}</label>"
            for choice in field
        )
        return (
            f'\n<fieldset class="field{invalid}">\n  <legend>{conditional_escape(field.label)}</legend>{described}'
            f'\n  <div class="choices">{choices}</div>{errors_markup(field)}\n</fieldset>'
        )
    if input_type == "checkbox":
        return (
            f'\n<div class="field field--check{invalid}">\n  {widget_markup(field)} {label_markup(field)}'
            f"{help_markup(field)}{errors_markup(field)}\n</div>"
        )
    return (
        f'\n<div class="field{invalid}">\n  {label_markup(field)}\n  {widget_markup(field)}'
        f"{help_markup(field)}{errors_markup(field)}\n</div>"
    )


def fields_markup(form) -> str:
    """A form's fields as every page draws them: errors, hidden inputs, then each field with its label, help and
    errors; the markup of ``web/partials/form_fields.html``, which tests hold it to.

    The partial renders a template per label, per widget and per radio or checkbox: the dispatch page's twenty
    assignment forms spent half its time there, the case page's dozen forms a good part of its own, the meetings
    page's sixty units a quarter of its own.
    """
    fields = list(form)
    parts = []
    if errors := form.non_field_errors():
        listed = "".join(f"<p>{conditional_escape(error)}</p>" for error in errors)
        parts.append(f'<div class="message message--error" role="alert">{listed}</div>')
    parts.extend(widget_markup(field) for field in fields if field.is_hidden)
    parts.extend(field_markup(field) for field in fields if not field.is_hidden)
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
