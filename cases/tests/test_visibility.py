"""Who sees which case, through every read and write path of the API, and internal notes never reaching enterprises.

Every path goes through ``cases_visible_to``; a case the user may not see is a 404
that looks exactly like a case that does not exist.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Attachment, Case, CaseEvent, Comment, Visibility
from cases.selectors import (
    cases_of_served_enterprises,
    cases_visible_in_sized_parts,
    cases_visible_to,
    official_cases_q,
)
from enterprises.access import roles_for_user
from enterprises.models import Role, UnitMembership
from notifications.models import Notification
from workflow import services

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def file_case(district, user, enterprise, title):
    return services.case_file(
        acting_user=user,
        enterprise=enterprise,
        category=district.infrastructure,
        title=title,
        description=f"{title}，请尽快协调。",
    )


def upload(district, case, user, *, name="现场照片.pdf", content=PDF, visibility=Visibility.PUBLIC):
    return services.attachment_add(
        case=case,
        acting_user=user,
        upload=SimpleUploadedFile(name, content, content_type="application/octet-stream"),
        visibility=visibility,
    )


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Case, CaseEvent, Comment, Attachment, Notification)}


@pytest.fixture
def world(district):
    """Five cases, each with a public comment and a public PDF from its enterprise.

    yixin_carol    alice's, routed automatically to carol (industry bureau, serves yixin)
    yixin_carla    alice's, reassigned by hank to carla (a sub-unit of industry)
    hongda_dave    bob's, routed by dora to dave (commerce)
    hongda_carol   bob's, routed by dora to carol (industry) although carol does not serve hongda
    hongda_waiting bob's, waiting for the dispatcher
    """
    d = district
    cases = {
        "yixin_carol": file_case(d, d.alice, d.yixin, "园区专用电力线缆增容"),
        "yixin_carla": file_case(d, d.alice, d.yixin, "项目用地地上物迁移"),
        "hongda_dave": file_case(d, d.bob, d.hongda, "出口订单报关延误"),
        "hongda_carol": file_case(d, d.bob, d.hongda, "技改项目设备补贴"),
        "hongda_waiting": file_case(d, d.bob, d.hongda, "职工宿舍用水不足"),
    }
    cases["yixin_carla"] = services.case_reassign(
        case=cases["yixin_carla"], acting_user=d.hank, assignee=d.carla, unit=d.industry_office
    )
    cases["hongda_dave"] = services.case_assign(
        case=cases["hongda_dave"], acting_user=d.dora, assignee=d.dave, unit=d.commerce
    )
    cases["hongda_carol"] = services.case_assign(
        case=cases["hongda_carol"], acting_user=d.dora, assignee=d.carol, unit=d.industry
    )
    attachments = {}
    for key, case in cases.items():
        filer = d.alice if case.enterprise_id == d.yixin.pk else d.bob
        services.comment_add(case=case, acting_user=filer, body=f"补充说明：{case.title}")
        attachments[key] = upload(d, case, filer)
    return {key: Case.objects.get(pk=case.pk) for key, case in cases.items()}, attachments


ALL = {"yixin_carol", "yixin_carla", "hongda_dave", "hongda_carol", "hongda_waiting"}
VISIBLE = {
    "alice": {"yixin_carol", "yixin_carla"},
    "bob": {"hongda_dave", "hongda_carol", "hongda_waiting"},
    # assigned to her, plus everything of yixin, which she serves
    "carol": {"yixin_carol", "yixin_carla", "hongda_carol"},
    "carla": {"yixin_carla"},
    "dave": {"hongda_dave"},
    # the industry bureau and its sub-unit
    "hank": {"yixin_carol", "yixin_carla", "hongda_carol"},
    "dora": ALL,
    "sam": ALL,
    "leo": ALL,
    "otto": set(),
}


def not_found_body(client) -> dict:
    """What a case id that does not exist answers: the yardstick for 'invisible'."""
    response = client.get("/api/v1/cases/987654321/")
    assert response.status_code == 404
    return response.json()


@pytest.mark.parametrize("name", VISIBLE)
def test_it_lists_exactly_the_cases_the_user_may_see(district, world, name):
    cases, _attachments = world

    response = district.client(getattr(district, name)).get("/api/v1/cases/", {"page_size": 100})

    assert response.status_code == 200
    listed = {row["number"] for row in response.json()["results"]}
    assert listed == {cases[key].number for key in VISIBLE[name]}
    assert response.json()["count"] == len(VISIBLE[name])


@pytest.mark.parametrize("name", VISIBLE)
def test_it_opens_visible_cases_and_answers_404_for_the_others(district, world, name):
    cases, _attachments = world
    client = district.client(getattr(district, name))
    missing = not_found_body(client)

    for key, case in cases.items():
        response = client.get(f"/api/v1/cases/{case.pk}/")
        if key in VISIBLE[name]:
            assert response.status_code == 200, key
            assert response.json()["number"] == case.number
        else:
            assert response.status_code == 404, key
            assert response.json() == missing
            assert case.title not in response.content.decode()


@pytest.mark.parametrize("name", VISIBLE)
def test_it_shows_comments_of_visible_cases_only(district, world, name):
    cases, _attachments = world
    client = district.client(getattr(district, name))

    for key, case in cases.items():
        response = client.get(f"/api/v1/cases/{case.pk}/comments/")
        if key in VISIBLE[name]:
            assert response.status_code == 200, key
            assert [row["body"] for row in response.json()] == [f"补充说明：{case.title}"]
        else:
            assert response.status_code == 404, key
            assert case.title not in response.content.decode()


@pytest.mark.parametrize("name", VISIBLE)
def test_it_lists_and_serves_attachments_of_visible_cases_only(district, world, name):
    cases, attachments = world
    client = district.client(getattr(district, name))

    for key, case in cases.items():
        listing = client.get(f"/api/v1/cases/{case.pk}/attachments/")
        download = client.get(f"/api/v1/cases/{case.pk}/attachments/{attachments[key].pk}/")
        if key in VISIBLE[name]:
            assert listing.status_code == 200, key
            assert [row["id"] for row in listing.json()] == [attachments[key].pk]
            assert download.status_code == 200, key
            assert b"".join(download.streaming_content) == PDF
        else:
            assert listing.status_code == 404, key
            assert download.status_code == 404, key
            assert not getattr(download, "streaming", False)
            assert download.json()["code"] == "not_found"


def action_bodies(district) -> dict[str, dict]:
    return {
        "assign": {"assignee": district.dave.pk, "unit": district.commerce.pk},
        "accept": {},
        "send-back": {"reason": "不属于本单位职责"},
        "reassign": {"assignee": district.dave.pk, "unit": district.commerce.pk},
        "resolve": {"resolution_type": "solved", "reply": "已解决"},
        "reopen": {"reason": "问题仍未解决"},
        "close": {"satisfaction": 5},
        "withdraw": {"reason": "不再需要"},
    }


@pytest.mark.parametrize("name", VISIBLE)
def test_it_answers_404_to_every_action_on_an_invisible_case_and_changes_nothing(district, world, name):
    cases, _attachments = world
    client = district.client(getattr(district, name))
    missing = not_found_body(client)
    before = row_counts()
    versions = dict(Case.objects.values_list("pk", "version"))

    for key, case in cases.items():
        if key in VISIBLE[name]:
            continue
        for action, body in action_bodies(district).items():
            response = client.post(f"/api/v1/cases/{case.pk}/{action}/", body, format="json")
            assert response.status_code == 404, (key, action)
            assert response.json() == missing
        comment = client.post(f"/api/v1/cases/{case.pk}/comments/", {"body": "你好"}, format="json")
        assert comment.status_code == 404, key
        attachment = client.post(
            f"/api/v1/cases/{case.pk}/attachments/",
            {"file": SimpleUploadedFile("a.pdf", PDF), "visibility": "public"},
            format="multipart",
        )
        assert attachment.status_code == 404, key

    assert row_counts() == before
    assert dict(Case.objects.values_list("pk", "version")) == versions


def test_it_gives_an_enterprise_probing_another_enterprises_case_the_same_404_as_a_missing_one(district, world):
    cases, attachments = world
    client = district.client(district.alice)
    case = cases["hongda_dave"]

    probes = [
        client.get(f"/api/v1/cases/{case.pk}/"),
        client.get(f"/api/v1/cases/{case.pk}/comments/"),
        client.get(f"/api/v1/cases/{case.pk}/attachments/"),
        client.get(f"/api/v1/cases/{case.pk}/attachments/{attachments['hongda_dave'].pk}/"),
        client.post(f"/api/v1/cases/{case.pk}/withdraw/", {"reason": "x"}, format="json"),
    ]

    missing = not_found_body(client)
    for response in probes:
        assert response.status_code == 404
        assert response.json() == missing


def test_it_does_not_let_an_enterprise_filter_its_way_to_other_cases(district, world):
    cases, _attachments = world
    client = district.client(district.alice)

    by_enterprise = client.get("/api/v1/cases/", {"enterprise": district.hongda.pk})
    by_number = client.get("/api/v1/cases/", {"search": cases["hongda_dave"].number})
    by_assignee = client.get("/api/v1/cases/", {"assignee": district.dave.pk})

    assert by_enterprise.json()["count"] == 0
    assert by_number.json()["count"] == 0
    assert by_assignee.json()["count"] == 0


def test_it_does_not_serve_another_cases_attachment_through_a_visible_case(district, world):
    cases, attachments = world

    response = district.client(district.alice).get(
        f"/api/v1/cases/{cases['yixin_carol'].pk}/attachments/{attachments['hongda_dave'].pk}/"
    )

    assert response.status_code == 404


def overseer(district, username, role, unit, jurisdiction=None):
    user = get_user_model().objects.create_user(username=username)
    UnitMembership.objects.create(user=user, unit=unit, role=role, jurisdiction=jurisdiction)
    return user


def listed_keys(district, user, cases) -> set[str]:
    by_number = {case.number: key for key, case in cases.items()}
    rows = district.client(user).get("/api/v1/cases/", {"page_size": 100}).json()["results"]
    return {by_number[row["number"]] for row in rows}


def test_it_limits_a_supervisor_to_the_units_of_their_jurisdiction(district, world):
    cases, _attachments = world
    commerce_only = overseer(district, "sue", Role.SUPERVISOR, district.supervision, district.commerce)

    assert listed_keys(district, commerce_only, cases) == {"hongda_dave"}
    invisible = cases["yixin_carol"]
    assert district.client(commerce_only).get(f"/api/v1/cases/{invisible.pk}/").status_code == 404


def test_it_shows_a_township_supervisor_the_cases_of_enterprises_in_the_township(district, world):
    cases, _attachments = world
    street = overseer(district, "tim", Role.SUPERVISOR, district.supervision, district.township)

    assert listed_keys(district, street, cases) == ALL


def test_it_shows_a_leader_without_jurisdiction_the_subtree_of_their_own_unit(district, world):
    cases, _attachments = world
    bureau_leader = overseer(district, "lin", Role.LEADER, district.industry)

    assert listed_keys(district, bureau_leader, cases) == {"yixin_carol", "yixin_carla", "hongda_carol"}


def test_it_shows_a_supervisor_of_every_unit_every_case_with_no_condition_to_check(district, world):
    """Overseeing both districts, every unit there is: the gate has nothing to narrow, and says so."""
    cases, _attachments = world
    everywhere = overseer(district, "eve", Role.SUPERVISOR, district.supervision, district.district)
    UnitMembership.objects.create(
        user=everywhere, unit=district.other_bureau, role=Role.SUPERVISOR, jurisdiction=district.other_district
    )
    district_only = overseer(district, "dan", Role.SUPERVISOR, district.supervision, district.district)

    assert official_cases_q(roles_for_user(everywhere)) is None
    assert official_cases_q(roles_for_user(district_only)) is not None
    assert listed_keys(district, everywhere, cases) == ALL == listed_keys(district, district_only, cases)


def test_it_tells_a_persons_few_cases_from_whole_units_and_the_districts(district, world):
    """Lists sort a person's own and served enterprises' cases whole and read a unit's or the district's in an
    index's order (``cases_visible_in_sized_parts``): the parts are the gate's, each marked as what it holds."""
    cases, _attachments = world

    def sizes(user) -> list[bool]:
        parts = cases_visible_in_sized_parts(user)
        assert {case.pk for part, _few in parts for case in part} == {case.pk for case in cases_visible_to(user)}
        return [few for _part, few in parts]

    assert sizes(district.alice) == sizes(district.carol) == [True]
    assert sizes(district.dora) == sizes(district.sam) == sizes(district.leo) == [False]
    # Hank heads the Industry Bureau (a part for it and one for its office below) and serves nothing of his own.
    assert sizes(district.hank) == [False, False, True]


def test_it_follows_the_case_when_it_is_reassigned_away(district, world):
    cases, _attachments = world
    client = district.client(district.dave)
    assert client.get(f"/api/v1/cases/{cases['hongda_dave'].pk}/").status_code == 200

    services.case_reassign(
        case=cases["hongda_dave"], acting_user=district.dora, assignee=district.carla, unit=district.industry_office
    )

    assert client.get(f"/api/v1/cases/{cases['hongda_dave'].pk}/").status_code == 404
    assert client.get("/api/v1/cases/").json()["count"] == 0


def test_it_answers_anonymous_requests_without_case_data(district, world):
    cases, attachments = world
    client = district.client()
    case = cases["yixin_carol"]

    for url in [
        "/api/v1/cases/",
        f"/api/v1/cases/{case.pk}/",
        f"/api/v1/cases/{case.pk}/comments/",
        f"/api/v1/cases/{case.pk}/attachments/{attachments['yixin_carol'].pk}/",
    ]:
        response = client.get(url)
        assert response.status_code in (401, 403), url
        assert case.title not in response.content.decode()


# Internal notes

SECRET_COMMENT = "内部：该企业资质存疑-K7"
SECRET_FILE = "内部核查记录-K7.pdf"
SECRET_SEND_BACK = "不属于本局职责-K7"
SECRET_REASSIGN = "换人处理-K7"
SECRETS = (SECRET_COMMENT, SECRET_FILE, SECRET_SEND_BACK, SECRET_REASSIGN)


@pytest.fixture
def noted(district):
    """Alice's case with public and internal comments and files, sent back once and reassigned once."""
    d = district
    case = file_case(d, d.alice, d.yixin, "原材料供应不足")
    services.comment_add(case=case, acting_user=d.carol, body="已收到，正在协调")
    internal_comment = services.comment_add(
        case=case, acting_user=d.carol, body=SECRET_COMMENT, visibility=Visibility.INTERNAL
    )
    public_file = upload(d, case, d.carol, name="协调会纪要.png", content=PNG)
    internal_file = upload(d, case, d.carol, name=SECRET_FILE, visibility=Visibility.INTERNAL)
    case = services.case_send_back(case=Case.objects.get(pk=case.pk), acting_user=d.carol, reason=SECRET_SEND_BACK)
    case = services.case_assign(case=case, acting_user=d.dora, assignee=d.carol, unit=d.industry)
    case = services.case_reassign(
        case=case, acting_user=d.hank, assignee=d.carla, unit=d.industry_office, note=SECRET_REASSIGN
    )
    return {
        "case": case,
        "internal_comment": internal_comment,
        "public_file": public_file,
        "internal_file": internal_file,
    }


def assert_no_secret(response) -> None:
    text = response.content.decode()
    for secret in SECRETS:
        assert secret not in text


def test_it_keeps_internal_notes_out_of_the_enterprises_case_detail(district, noted):
    response = district.client(district.alice).get(f"/api/v1/cases/{noted['case'].pk}/")

    assert response.status_code == 200
    body = response.json()
    assert [row["body"] for row in body["comments"]] == ["已收到，正在协调"]
    assert [row["original_name"] for row in body["attachments"]] == ["协调会纪要.png"]
    actions = [row["action"] for row in body["events"]]
    assert "send-back" not in actions
    assert "reassign" not in actions
    assert {row["visibility"] for row in body["comments"] + body["attachments"]} == {"public"}
    assert_no_secret(response)


def test_it_shows_the_same_internal_notes_to_officials(district, noted):
    for person in (district.carla, district.hank, district.dora, district.sam, district.leo, district.carol):
        body = district.client(person).get(f"/api/v1/cases/{noted['case'].pk}/").json()
        assert SECRET_COMMENT in [row["body"] for row in body["comments"]], person
        assert SECRET_FILE in [row["original_name"] for row in body["attachments"]], person
        notes = [row["note"] for row in body["events"]]
        assert SECRET_SEND_BACK in notes, person
        assert SECRET_REASSIGN in notes, person


def test_it_keeps_internal_notes_out_of_the_enterprises_comment_and_attachment_lists(district, noted):
    client = district.client(district.alice)

    comments = client.get(f"/api/v1/cases/{noted['case'].pk}/comments/")
    attachments = client.get(f"/api/v1/cases/{noted['case'].pk}/attachments/")

    assert [row["body"] for row in comments.json()] == ["已收到，正在协调"]
    assert [row["id"] for row in attachments.json()] == [noted["public_file"].pk]
    assert_no_secret(comments)
    assert_no_secret(attachments)


def test_it_answers_404_when_an_enterprise_downloads_an_internal_file(district, noted):
    client = district.client(district.alice)
    base = f"/api/v1/cases/{noted['case'].pk}/attachments/"

    internal = client.get(f"{base}{noted['internal_file'].pk}/")
    public = client.get(f"{base}{noted['public_file'].pk}/")

    assert internal.status_code == 404
    assert internal.json() == not_found_body(client)
    assert public.status_code == 200
    assert b"".join(public.streaming_content) == PNG
    official = district.client(district.carla).get(f"{base}{noted['internal_file'].pk}/")
    assert official.status_code == 200
    assert b"".join(official.streaming_content) == PDF


def test_it_keeps_internal_notes_out_of_the_enterprises_list_and_inbox(district, noted):
    client = district.client(district.alice)

    listing = client.get("/api/v1/cases/")
    inbox = client.get("/api/v1/notifications/")

    assert listing.json()["count"] == 1
    assert_no_secret(listing)
    assert_no_secret(inbox)
    kinds = {row["kind"] for row in inbox.json()["results"]}
    assert kinds == {"case_replied"}
    assert not Notification.objects.filter(recipient=district.alice, kind__in=["case_sent_back", "case_assigned"])
    for secret in SECRETS:
        assert not Notification.objects.filter(recipient=district.alice, body__contains=secret).exists()


def test_it_forbids_an_enterprise_to_write_an_internal_comment(district, noted):
    before = row_counts()

    response = district.client(district.alice).post(
        f"/api/v1/cases/{noted['case'].pk}/comments/",
        {"body": "我们也想写内部备注", "visibility": "internal"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 403
    assert response.json()["code"] == "internal_not_allowed"
    assert "internal" in response.json()["message"]
    assert row_counts() == before


def test_it_forbids_an_enterprise_to_upload_an_internal_file(district, noted):
    before = row_counts()

    response = district.client(district.alice).post(
        f"/api/v1/cases/{noted['case'].pk}/attachments/",
        {"file": SimpleUploadedFile("证明.pdf", PDF), "visibility": "internal"},
        format="multipart",
    )

    assert response.status_code == 403
    assert response.json()["code"] == "internal_not_allowed"
    assert row_counts() == before


def test_it_lets_an_enterprise_reply_publicly_and_tells_the_assignee(district, noted):
    response = district.client(district.alice).post(
        f"/api/v1/cases/{noted['case'].pk}/comments/", {"body": "已补充采购清单"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["visibility"] == "public"
    assert Notification.objects.filter(recipient=district.carla, kind="case_replied").count() == 1


def test_it_does_not_notify_the_enterprise_of_an_internal_comment(district, noted):
    before = Notification.objects.filter(recipient=district.alice).count()

    response = district.client(district.carla).post(
        f"/api/v1/cases/{noted['case'].pk}/comments/",
        {"body": "内部：请核实用量-K8", "visibility": "internal"},
        format="json",
    )

    assert response.status_code == 201
    assert Notification.objects.filter(recipient=district.alice).count() == before
    assert "K8" not in district.client(district.alice).get(f"/api/v1/cases/{noted['case'].pk}/").content.decode()


def test_it_counts_for_the_served_page_only_the_cases_of_enterprises_one_serves(district):
    served = file_case(district, district.alice, district.yixin, "厂区道路破损")
    other = file_case(district, district.bob, district.hongda, "园区排水不畅")
    asked = [district.yixin.pk, district.hongda.pk]
    found = set(cases_of_served_enterprises(district.carol, asked))
    assert found == {served} and found <= set(cases_visible_to(district.carol))
    assert other in cases_visible_to(district.dora) and not cases_of_served_enterprises(district.dora, asked).exists()
