"""The circular pages through the Django test client: the list, generating a draft, the document with its edit
form, a stale edit refused, confirmed publication and deletion, and who sees what.

Wednesday 18 November 2026, 10:00 Beijing time, is "now". Yixin's cases go to carol (Industry Bureau).
"""

import re
from datetime import datetime

import pytest
import time_machine
from django import forms
from django.utils import translation

from cases.models import Case
from enterprises.models import Role, UnitMembership
from supervision.circulars import services as circular_services
from supervision.circulars.models import Circular, CircularState
from workflow import services
from workflow.workdays import SHANGHAI

from ..forms.supervision import period_choices
from ..markup import DrawnSelect
from .helpers import flashed, signed_in

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)
CIRCULARS = "/supervision/circulars/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def overdue_case(district, title: str = "园区道路破损") -> Case:
    """Filed on Monday 2 November and assigned to carol: overdue since Wednesday 11 November."""
    with time_machine.travel(datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI), tick=False):
        return services.case_file(
            acting_user=district.alice,
            enterprise=district.yixin,
            category=district.infrastructure,
            title=title,
            description=f"{title}，影响生产。",
        )


def draft(district) -> Circular:
    return circular_services.circular_create(acting_user=district.sam, period="2026-11")


def published(district) -> Circular:
    circular = draft(district)
    return circular_services.circular_publish(circular=circular, acting_user=district.sam, version=circular.version)


def url(circular: Circular, action: str = "") -> str:
    return f"{CIRCULARS}{circular.pk}/{action + '/' if action else ''}"


def test_it_lists_published_circulars_to_every_official_and_drafts_to_their_supervisors(district):
    issued = published(district)
    pending = draft(district)

    dave_sees = signed_in(district.dave).get(CIRCULARS).content.decode()
    assert "督办通报〔2026〕第1期" in dave_sees and f'href="{url(issued)}"' in dave_sees
    assert f'href="{url(pending)}"' not in dave_sees
    assert "生成通报草稿" not in dave_sees

    sam_sees = signed_in(district.sam).get(CIRCULARS).content.decode()
    assert f'href="{url(issued)}"' in sam_sees and f'href="{url(pending)}"' in sam_sees
    assert "（草稿）" in sam_sees and "2026年11月" in sam_sees

    assert signed_in(district.alice).get(CIRCULARS).status_code == 403


@pytest.mark.parametrize(("language", "value"), [("zh-hans", "2026-11"), ("en", "2025-Q4"), ("en", "<b>")])
def test_it_draws_the_period_select_as_djangos_select_does(language, value):
    attrs = {"id": "circular-period", "required": True}
    with translation.override(language):
        choices = period_choices(NOW)
        drawn = DrawnSelect(choices=choices).render("period", value, attrs)
        assert drawn == forms.Select(choices=choices).render("period", value, attrs)
    assert drawn.count("<option") == 24 + 8 + 3


def test_it_generates_a_draft_of_the_chosen_month_and_opens_it(district):
    road = overdue_case(district)

    response = signed_in(district.sam, "en").post(CIRCULARS, {"period": "2026-11", "worst_count": 3})

    circular = Circular.objects.get()
    assert response.status_code == 302 and response["Location"] == url(circular)
    assert circular.state == CircularState.DRAFT and circular.period_label == "2026-11"
    page = signed_in(district.sam, "en").get(url(circular)).content.decode()
    assert "（Draft）" in page
    assert road.number in page and "工业和信息化局: 1 overdue, the longest by 5 working days" in page
    assert 'id="edit-introduction"' in page and "Publish the circular" in page
    assert f'href="/api/v1/supervision/circulars/{circular.pk}/pdf/"' in page


def test_it_shows_a_period_that_has_not_begun_next_to_the_form(district):
    response = signed_in(district.sam, "en").post(CIRCULARS, {"period": "2027-01", "worst_count": 3})

    assert response.status_code == 400
    assert not Circular.objects.exists()
    assert "Select a valid choice" in response.content.decode()


def test_it_saves_the_introduction_and_a_comment_on_a_named_unit(district):
    overdue_case(district)
    circular = draft(district)

    response = signed_in(district.sam, "en").post(
        url(circular, "edit"),
        {
            "version": circular.version,
            "title": circular.title,
            "introduction": "现将本月逾期情况通报如下。",
            "requirements": "限3个工作日内整改。",
            f"comment_{district.industry.pk}": "逾期较多，请主要负责同志亲自过问。",
        },
    )

    assert response.status_code == 302
    assert flashed(response) == ["The draft was saved."]
    circular.refresh_from_db()
    assert circular.introduction == "现将本月逾期情况通报如下。"
    assert circular.unit_comments == {str(district.industry.pk): "逾期较多，请主要负责同志亲自过问。"}
    page = signed_in(district.sam, "en").get(url(circular)).content.decode()
    assert "现将本月逾期情况通报如下。" in page and "逾期较多，请主要负责同志亲自过问。" in page


def test_it_refuses_an_edit_made_on_an_older_copy_and_keeps_what_was_typed(district):
    circular = draft(district)
    circular_services.circular_update(circular=circular, acting_user=district.sam, version=1, title="另一位同志的标题")

    response = signed_in(district.sam, "en").post(
        url(circular, "edit"), {"version": 1, "title": "我的标题", "introduction": "我写的导语。", "requirements": ""}
    )

    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else changed this circular a moment ago. Reload it and try again." in page
    assert "我写的导语。" in page
    circular.refresh_from_db()
    assert circular.title == "另一位同志的标题"


def test_it_publishes_only_when_confirmed_and_shows_the_number(district):
    circular = draft(district)
    client = signed_in(district.sam)

    unconfirmed = client.post(url(circular, "publish"), {"version": circular.version})
    assert unconfirmed.status_code == 400
    circular.refresh_from_db()
    assert circular.state == CircularState.DRAFT

    confirmed = client.post(url(circular, "publish"), {"version": circular.version, "confirm": "on"})
    assert confirmed.status_code == 302
    page = client.get(url(circular)).content.decode()
    assert "〔2026〕第1期" in page
    assert 'id="edit-introduction"' not in page and "发布通报" not in page


def test_it_shows_why_a_published_circular_cannot_be_edited(district):
    circular = published(district)

    response = signed_in(district.sam, "en").post(
        url(circular, "edit"),
        {"version": circular.version, "title": "改个标题", "introduction": "", "requirements": ""},
    )

    assert response.status_code == 409
    assert "This circular is published and can no longer be changed." in response.content.decode()


def test_it_deletes_a_draft_once_confirmed(district):
    circular = draft(district)

    response = signed_in(district.sam, "en").post(
        url(circular, "delete"), {"version": circular.version, "confirm": "on"}
    )

    assert response.status_code == 302 and response["Location"] == CIRCULARS
    assert flashed(response) == ["The draft was deleted."]
    assert not Circular.objects.exists()


def version_sent_by(page: str, action: str) -> str:
    """The hidden ``version`` the page's form for ``action`` posts back."""
    form = re.search(rf'<form[^>]*action="[^"]*/{action}/"(.*?)</form>', page, re.S)
    assert form is not None, f"no {action} form"
    (version,) = re.findall(r'name="version" value="(\d+)"', form.group(1))
    return version


def test_it_regenerates_or_deletes_only_the_copy_the_supervisor_read(district):
    circular = draft(district)
    client = signed_in(district.sam, "en")
    page = client.get(url(circular)).content.decode()
    read = {action: version_sent_by(page, action) for action in ("regenerate", "delete")}
    circular_services.circular_update(circular=circular, acting_user=district.sam, version=1, title="同事的标题")
    before = Circular.objects.values().get(pk=circular.pk)

    refusals = [
        client.post(url(circular, "regenerate"), {"version": read["regenerate"]}, follow=True),
        client.post(url(circular, "delete"), {"version": read["delete"], "confirm": "on"}, follow=True),
    ]
    unversioned = client.post(url(circular, "delete"), {"confirm": "on"})

    assert read == {"regenerate": "1", "delete": "1"}
    for response in refusals:
        assert response.redirect_chain == [(url(circular), 302)]
        assert "Someone else changed this circular a moment ago. Reload it and try again." in response.content.decode()
    assert unversioned.status_code == 400
    assert Circular.objects.values().get(pk=circular.pk) == before


def test_it_keeps_a_draft_from_other_officials_and_another_districts_supervisor(district):
    circular = draft(district)

    assert signed_in(district.dave).get(url(circular)).status_code == 404
    assert signed_in(district.otto).get(url(circular)).status_code == 404
    assert signed_in(district.otto).post(url(circular, "publish"), {"version": 1, "confirm": "on"}).status_code == 404
    circular.refresh_from_db()
    assert circular.state == CircularState.DRAFT


def test_it_offers_a_supervisor_of_two_districts_the_choice_and_one_district_none(district):
    sam = signed_in(district.sam, "en")
    assert 'name="jurisdiction"' not in sam.get(CIRCULARS).content.decode()
    UnitMembership.objects.create(
        user=district.sam, unit=district.other_bureau, role=Role.SUPERVISOR, jurisdiction=district.other_district
    )
    page = signed_in(district.sam, "en").get(CIRCULARS).content.decode()
    offered = re.search(r'<select name="jurisdiction".*?</select>', page, re.S)
    assert offered and re.findall(r">([^<]+)</option>", offered.group()) == ["示范区人民政府", "邻区人民政府"]


def test_it_reads_the_list_in_a_fixed_number_of_queries(district, django_assert_num_queries):
    published(district)
    draft(district)
    client = signed_in(district.sam)
    client.get(CIRCULARS)
    with django_assert_num_queries(6):
        assert client.get(CIRCULARS).status_code == 200
    for _ in range(6):
        published(district)
        draft(district)
    with django_assert_num_queries(6):
        assert client.get(CIRCULARS).status_code == 200


def test_it_reads_a_circular_in_a_fixed_number_of_queries(district, django_assert_num_queries):
    overdue_case(district)
    small = draft(district)
    for index in range(6):
        overdue_case(district, title=f"逾期诉求 {index}")
    large = draft(district)
    client = signed_in(district.sam)
    client.get(url(small))
    with django_assert_num_queries(5):
        assert client.get(url(small)).status_code == 200
    with django_assert_num_queries(5):
        assert client.get(url(large)).status_code == 200
