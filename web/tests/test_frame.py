"""The frame of every page: where a person lands, the inbox, and how deadlines read."""

import re
from datetime import UTC, date, datetime

import pytest
from django import forms
from django.template import Context, Template
from django.template.defaultfilters import truncatechars
from django.template.loader import render_to_string
from django.test import Client
from django.test.html import parse_html
from django.urls import URLPattern, reverse, set_script_prefix
from django.utils import timezone, translation
from django.utils.formats import date_format

from notifications.models import Notification
from web import urls
from web.forms.cases import AssignForm, CloseForm, SearchableSelect, SendBackForm
from web.forms.meetings import DecisionForm
from web.markup import fields_markup, widget_markup
from web.templatetags.huiyin import choice_input, deadline_text, id_url, machine_time, shanghai, shortened
from workflow.tests.helpers import assigned_case
from workflow.workdays import SHANGHAI, WorkCalendar


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def calendar() -> WorkCalendar:
    return WorkCalendar()


@pytest.mark.parametrize(
    ("due", "now", "words", "tone"),
    [
        (at(2026, 11, 24, 17, 30), at(2026, 11, 23, 9, 0), "1 working day left", "soon"),
        (at(2026, 11, 26, 17, 30), at(2026, 11, 23, 9, 0), "3 working days left", "ok"),
        (at(2026, 11, 23, 17, 30), at(2026, 11, 23, 9, 0), "Due today", "soon"),
        (at(2026, 11, 23, 17, 30), at(2026, 11, 23, 18, 0), "Overdue since today", "late"),
        # Friday's deadline read on Monday: the weekend does not count.
        (at(2026, 11, 20, 17, 30), at(2026, 11, 23, 9, 0), "1 working day overdue", "late"),
        # The National Day holiday of 2026 (1–7 October) is not counted either.
        (at(2026, 9, 30, 17, 30), at(2026, 10, 9, 9, 0), "2 working days overdue", "late"),
    ],
)
def test_it_reads_deadlines_in_working_days(calendar, due, now, words, tone):
    with translation.override("en"):
        assert deadline_text(calendar, due, now) == (words, tone)


def test_it_reads_deadlines_in_chinese_by_default(calendar):
    with translation.override("zh-hans"):
        assert deadline_text(calendar, at(2026, 11, 26, 17, 30), at(2026, 11, 23, 9, 0))[0] == "剩余3个工作日"
        assert deadline_text(calendar, at(2026, 11, 20, 17, 30), at(2026, 11, 25, 9, 0))[0] == "已逾期3个工作日"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_sends_a_visitor_to_the_login_page(district):
    response = Client().get("/inbox/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/inbox/")


def test_it_explains_an_account_without_a_role(district, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x-pass-123")
    response = signed_in(nobody).get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Your account has no role yet" in response.content.decode()


def test_it_marks_a_notification_read_and_opens_its_case_page(district):
    case = assigned_case(district)
    notification = Notification.objects.get(recipient=district.carol, about=f"case:{case.pk}")
    response = signed_in(district.carol).post(f"/inbox/{notification.pk}/read/")
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_it_never_marks_someone_elses_notification(district):
    case = assigned_case(district)
    notification = Notification.objects.get(recipient=district.carol, about=f"case:{case.pk}")
    signed_in(district.dave).post(f"/inbox/{notification.pk}/read/")
    notification.refresh_from_db()
    assert notification.read_at is None


def test_it_shows_the_inbox_in_constant_queries(district, django_assert_num_queries):
    assigned_case(district)
    client = signed_in(district.carol)
    client.get("/inbox/")
    with django_assert_num_queries(5):
        client.get("/inbox/")
    for _ in range(5):
        assigned_case(district)
    with django_assert_num_queries(5):
        response = client.get("/inbox/")
    page = response.content.decode()
    assert page.count("inbox__item--unread") == 6
    opened = Notification.objects.filter(recipient=district.carol).order_by("-visible_from", "-id")
    assert re.findall(r'formaction="/inbox/(\d+)/read/"', page) == [
        str(pk) for pk in opened.values_list("pk", flat=True)
    ]


# Pages for people who cannot log in (yet): they hold nothing but what their link or e-mail address opens.
OPEN_PAGES = {
    "login",
    "logout",
    "password-reset",
    "password-reset-sent",
    "password-reset-confirm",
    "password-reset-complete",
    "invitation-accept",
}


def test_it_sends_a_visitor_to_the_login_page_from_every_page(district):
    """No page of anyone's work opens without signing in, whatever its address holds."""
    anonymous = Client()
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name in OPEN_PAGES:
            continue
        arguments = {
            name: (1 if converter.regex == "[0-9]+" else "accept")
            for name, converter in pattern.pattern.converters.items()
        }
        address = reverse(f"web:{pattern.name}", kwargs=arguments)
        for method in (anonymous.get, anonymous.post):
            response = method(address)
            assert response.status_code == 302, (method.__name__, address, response.status_code)
            assert response["Location"].startswith("/login/"), address


class ChoicesForm(forms.Form):
    kind = forms.ChoiceField(choices=[("a", "A"), ("b&c", "B")], widget=forms.RadioSelect)
    units = forms.TypedMultipleChoiceField(
        coerce=int, choices=[(1, "一"), (2, "二")], widget=forms.CheckboxSelectMultiple, help_text="帮助"
    )


@pytest.mark.parametrize("data", [None, {"kind": "b&c", "units": ["2"]}, {"units": ["9"]}])
def test_it_draws_every_radio_and_checkbox_as_django_does(data):
    form = ChoicesForm(data)
    form.is_valid()
    for field in ("kind", "units"):
        for choice in form[field]:
            assert choice_input(choice) == choice.tag()


@pytest.mark.parametrize("value", ["", "6:2", "9:9"])
def test_it_draws_a_searchable_selects_options_as_django_does(value):
    choices = [("", "选择"), ("商务局 & 科", [("6:1", "余磊（负责人）"), ("6:2", "<b>丁军</b>")]), ("7:3", "王刚")]
    attrs = {"id": "id_assignment", "required": True}
    searchable = SearchableSelect(choices=choices, search_url="/lookups/").render("assignment", value, attrs)
    assert forms.Select(choices=choices).render("assignment", value, attrs) in searchable


class LabelledForm(forms.Form):
    required_css_class = "required"
    name = forms.CharField(label="姓名 & 单位", help_text="<全名>")
    asked = forms.CharField(label="Why?", required=False, widget=forms.Textarea)


def assign_form(data=None, value: str = "") -> AssignForm:
    offered = [("商务局 & 科", [("6:1", "余磊（负责人）"), ("6:2", "<b>丁军</b>")])]
    form = AssignForm(
        data, offered=offered, unit_ids=None, search_url="/lookups/", prefix="assign", auto_id="id_case7_%s"
    )
    form.initial = {"version": 3, "assignment": value}
    return form


@pytest.mark.parametrize(
    "form",
    [
        assign_form(),
        assign_form(value="6:2"),
        assign_form({"assign-version": "x", "assign-note": "先<联系>企业"}),
        SendBackForm({"reason": ""}),
        LabelledForm({"name": "<王刚>"}, label_suffix="："),
        LabelledForm(auto_id=False),
        CloseForm(),
        ChoicesForm(),
        ChoicesForm({"kind": "b&c", "units": ["2"]}),
        ChoicesForm({"units": ["9"]}),
        DecisionForm({"decision": "", "decision_public": "on"}),
    ],
)
def test_it_draws_a_forms_fields_as_the_partial_does(form):
    drawn = render_to_string("web/partials/form_fields.html", {"form": form})
    assert parse_html(fields_markup(form)) == parse_html(drawn)


class EveryWidgetForm(forms.Form):
    """One field of each widget ``widget_markup`` draws itself, and two it leaves to Django."""

    name = forms.CharField(label="姓名", help_text="<全名>", max_length=20)
    count = forms.IntegerField(min_value=0, required=False, localize=True)
    email = forms.EmailField(required=False)
    site = forms.URLField(required=False, assume_scheme="https")
    secret = forms.CharField(widget=forms.PasswordInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    due = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    at = forms.DateTimeField(required=False)
    time = forms.TimeField(required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    level = forms.TypedChoiceField(choices=[(0, "无"), (1, "催办 & 督办")], coerce=int)
    units = forms.MultipleChoiceField(choices=[("商务局", [("1", "科<一>"), ("2", "科二")]), ("3", "三")])
    agreed = forms.BooleanField(required=False)
    known = forms.NullBooleanField(required=False)


@pytest.mark.parametrize(
    ("data", "initial"),
    [
        (None, {}),
        (None, {"name": "王刚", "count": 1200, "due": date(2026, 3, 4), "level": 1, "units": ["2"]}),
        (
            {"name": "<王>", "count": "x", "secret": "s3cret", "version": "7", "note": "先<联系>", "units": ["1", "3"]},
            {},
        ),
        ({"due": "2026-13-01", "at": "2026-01-02 03:04", "level": "9", "agreed": "on", "known": "true"}, {}),
    ],
)
def test_it_draws_every_widget_as_django_does(data, initial):
    form = EveryWidgetForm(data, initial=initial)
    form.is_valid()
    for field in form:
        assert parse_html(widget_markup(field)) == parse_html(str(field)), field.name


@pytest.mark.parametrize(
    "moment", [at(2026, 1, 2, 3, 4), at(2026, 12, 31, 23, 59), datetime(2026, 6, 30, 16, 5, tzinfo=UTC)]
)
def test_it_writes_times_in_beijing_time_as_django_formats_them(moment):
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert shanghai(moment) == date_format(timezone.localtime(moment, SHANGHAI), "Y-m-d H:i")


@pytest.mark.parametrize(
    "moment",
    [
        at(2026, 1, 2, 3, 4),
        datetime(2026, 6, 30, 16, 5, 7, 123456, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 0, tzinfo=UTC),
    ],
)
def test_it_writes_a_machine_readable_time_as_django_s_date_filter_does(moment):
    drawn = Template("{{ moment|date:'c' }}").render(Context({"moment": moment}))
    assert machine_time(moment) == drawn and machine_time(None) == ""


@pytest.mark.parametrize(
    "text",
    ["", "短消息", "x" * 160, "x" * 161, "案件" * 100, "Cafe\u0301 " * 40, "Cafe\u0301", "a\u0301" * 161, "<b>&</b>"],
)
def test_it_shortens_a_text_as_truncatechars_does(text):
    assert shortened(text, 160) == truncatechars(text, 160)


@pytest.mark.parametrize("prefix", ["/", "/huiyin/"])
def test_it_links_a_rows_pages_as_reverse_does(prefix):
    set_script_prefix(prefix)
    try:
        for view_name in ("web:case", "web:queue-sign-for", "web:inbox-read", "web:enterprise-visits"):
            for object_id in (1, 42, 987654321):
                assert id_url(view_name, object_id) == reverse(view_name, args=[object_id])
        assert id_url("web:case", 7).startswith(prefix)
    finally:
        set_script_prefix("/")
