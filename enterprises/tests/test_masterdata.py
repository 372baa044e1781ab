"""The master-data workbook from the command line: export, check, import all or nothing, idempotent."""

from io import BytesIO, StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from enterprises.credit_code import check_character
from enterprises.masterdata.apply import apply_plan
from enterprises.masterdata.sample import sample_rows
from enterprises.masterdata.schema import NOTES_TITLE, SHEETS
from enterprises.masterdata.workbook import read_workbook
from enterprises.models import (
    Enterprise,
    EnterpriseContact,
    KeyProject,
    ProjectStage,
    Role,
    ServiceAssignment,
    TaskForceLevel,
    TaskForceMember,
    Unit,
    UnitKind,
    UnitMembership,
)

from .masterdata_helpers import district_rows, new_row, places, plan_for, row_of, set_cell, workbook_bytes

User = get_user_model()
YIXIN = "91110000600037341L"
HONGDA = "91440300708461136T"
NEW_CODE = "91110108MA01ABCD1" + check_character("91110108MA01ABCD1")


def run_import(tmp_path, rows: dict, *options: str, language: str = "en") -> str:
    path = tmp_path / "masterdata.xlsx"
    path.write_bytes(workbook_bytes(rows))
    out = StringIO()
    call_command("import_masterdata", str(path), *options, "--language", language, stdout=out, stderr=StringIO())
    return out.getvalue()


def failed_import(tmp_path, rows: dict, *options: str) -> str:
    path = tmp_path / "masterdata.xlsx"
    path.write_bytes(workbook_bytes(rows))
    err = StringIO()
    with pytest.raises(CommandError) as refusal:
        call_command("import_masterdata", str(path), *options, "--language", "en", stdout=StringIO(), stderr=err)
    return f"{err.getvalue()}\n{refusal.value}"


def cells(path) -> dict[str, list[tuple]]:
    workbook = load_workbook(path, read_only=True)
    return {name: list(workbook[name].iter_rows(values_only=True)) for name in workbook.sheetnames}


def snapshot() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Unit, User, UnitMembership, Enterprise, EnterpriseContact, ServiceAssignment, KeyProject)
    }


def test_it_writes_the_template_of_an_empty_installation_with_headers_and_notes(db, tmp_path):
    call_command("export_masterdata", str(tmp_path / "template.xlsx"), "--language", "en", stdout=StringIO())

    workbook = cells(tmp_path / "template.xlsx")
    assert list(workbook) == [NOTES_TITLE, *(sheet.title for sheet in SHEETS)]
    assert workbook["单位"] == [("单位名称", "单位类型", "上级单位", "是否启用")]
    assert workbook["企业"][0][:3] == ("统一社会信用代码", "企业名称", "所属乡镇街道")
    notes = {row[1]: row for row in workbook[NOTES_TITLE] if row[1]}
    assert notes["单位类型"][2] == "是"
    assert "委办局" in notes["单位类型"][4] and "街道办事处" in notes["单位类型"][4]
    assert "包联干部" in notes["角色"][4]


def test_it_imports_nothing_and_names_the_sheet_row_and_column_of_a_corrupted_credit_code(district, tmp_path):
    rows = district_rows()
    rows["enterprises"].append(
        new_row("enterprises", credit_code="91110000600037341X", name="新企业", township="新华街道")
    )
    rows["contacts"].append(new_row("contacts", credit_code="91110000600037341X", username="newbie", name="新人"))
    before = snapshot()

    message = failed_import(tmp_path, rows)

    assert "sheet 企业, row 4, column 统一社会信用代码: The check digit" in message
    assert "nothing was imported" in message
    assert snapshot() == before
    assert not User.objects.filter(username="newbie").exists()


def test_it_lists_every_problem_with_its_place_and_writes_nothing(district):
    rows = district_rows()
    rows["units"] += [
        new_row("units", name="新区管委会", kind="开发区", parent="示范区人民政府"),  # unknown kind
        new_row("units", name="甲局", kind="委办局", parent="乙局"),
        new_row("units", name="乙局", kind="委办局", parent="甲局"),  # with 甲局, a cycle
        new_row("units", name="丙局", kind="委办局", parent="不存在的局"),
        new_row("units", name="商务局", kind="委办局", parent="示范区人民政府"),  # a duplicate
    ]
    rows["people"] += [
        new_row("people", username="zoe", name="", unit="商务局", role="包联干部"),  # no name
        new_row("people", username="yan", name="严", unit="商务局", role="局长"),  # unknown role
        new_row("people", username="xu", name="徐", unit="商务局", role="包联干部", jurisdiction="示范区人民政府"),
    ]
    set_cell(row_of(rows, "service", "credit_code", YIXIN), "service", "cadre", "dave")  # dave is of 商务局
    plan = plan_for(rows)

    units_row = len(district_rows()["units"]) + 2
    people_row = len(district_rows()["people"]) + 2
    assert places(plan) == {
        ("单位", units_row, "单位类型"),
        ("单位", units_row + 1, "上级单位"),
        ("单位", units_row + 3, "上级单位"),
        ("单位", units_row + 4, "单位名称"),
        ("人员", people_row, "姓名"),
        ("人员", people_row + 1, "角色"),
        ("人员", people_row + 2, "管辖范围"),
        ("三级包保", 2, "包联干部"),
    }
    with pytest.raises(ValueError):
        apply_plan(plan)


def test_it_explains_the_problems_in_the_users_language(district):
    rows = district_rows()
    set_cell(row_of(rows, "service", "credit_code", YIXIN), "service", "cadre", "dave")

    with translation.override("zh-hans"):
        [problem] = plan_for(rows).problems
        assert str(problem).startswith("工作表 三级包保 第2行 包联干部列")
        assert "dave" in problem.message and "工业和信息化局" in problem.message


def test_it_shows_a_dry_run_and_writes_nothing(district, tmp_path):
    rows = district_rows()
    rows["enterprises"].append(new_row("enterprises", credit_code=NEW_CODE, name="新企业", township="新华街道"))
    before = snapshot()

    output = run_import(tmp_path, rows, "--dry-run")

    assert "企业\t1\t0\t0\t0\t2" in output
    assert f"+ 企业 row 4: {NEW_CODE} 新企业" in output
    assert "Dry run: nothing was written." in output
    assert snapshot() == before


def test_it_changes_nothing_when_the_same_workbook_is_imported_again_and_says_so(district, tmp_path):
    rows = district_rows()
    rows["enterprises"].append(new_row("enterprises", credit_code=NEW_CODE, name="新企业", township="新华街道"))
    run_import(tmp_path, rows)
    after_first = snapshot()

    output = run_import(tmp_path, rows)

    assert "No change: Huiyin already holds this workbook's master data." in output
    assert snapshot() == after_first
    assert not plan_for(rows).has_changes


def test_it_updates_by_natural_keys(district, tmp_path):
    rows = district_rows()
    set_cell(row_of(rows, "enterprises", "credit_code", HONGDA), "enterprises", "name", "宏达重工有限公司")
    set_cell(row_of(rows, "people", "username", "carol"), "people", "email", "carol@example.gov.cn")
    set_cell(row_of(rows, "units", "name", "商务局"), "units", "parent", "工业和信息化局")

    output = run_import(tmp_path, rows)

    assert "Imported." in output
    district.hongda.refresh_from_db()
    district.carol.refresh_from_db()
    district.commerce.refresh_from_db()
    assert district.hongda.name == "宏达重工有限公司"
    assert district.carol.email == "carol@example.gov.cn"
    assert district.commerce.parent == district.industry
    assert Enterprise.objects.count() == 2


def test_it_ends_the_old_service_period_and_opens_a_new_one_when_the_pair_changes(district, tmp_path):
    rows = district_rows()
    service = row_of(rows, "service", "credit_code", YIXIN)
    set_cell(service, "service", "unit", "商务局")
    set_cell(service, "service", "cadre", "dave")
    old = ServiceAssignment.objects.get(enterprise=district.yixin, ended_at__isnull=True)

    run_import(tmp_path, rows)

    old.refresh_from_db()
    assert old.ended_at is not None
    current = ServiceAssignment.objects.get(enterprise=district.yixin, ended_at__isnull=True)
    assert (current.unit, current.cadre, current.leader) == (district.commerce, district.dave, district.leo)
    assert current.started_at == old.ended_at
    assert ServiceAssignment.objects.filter(enterprise=district.yixin).count() == 2


def test_it_reports_an_enterprise_missing_from_the_workbook_and_keeps_it(district, tmp_path):
    rows = district_rows()
    rows["enterprises"] = [row for row in rows["enterprises"] if row[0] != HONGDA]
    rows["contacts"] = [row for row in rows["contacts"] if row[0] != HONGDA]

    output = run_import(tmp_path, rows)

    assert f"? 企业: {HONGDA} 宏达机械制造有限公司 (kept)" in output
    district.hongda.refresh_from_db()
    assert district.hongda.is_active
    assert EnterpriseContact.objects.filter(enterprise=district.hongda).exists()


def test_it_deactivates_what_is_missing_when_asked(district, tmp_path):
    rows = district_rows()
    rows["enterprises"] = [row for row in rows["enterprises"] if row[0] != YIXIN]
    rows["contacts"] = [row for row in rows["contacts"] if row[0] != YIXIN]
    rows["service"] = []

    output = run_import(tmp_path, rows, "--deactivate-missing")

    assert f"? 企业: {YIXIN} 亿鑫化工有限公司 (deactivated)" in output
    district.yixin.refresh_from_db()
    assert not district.yixin.is_active
    assert not ServiceAssignment.objects.filter(enterprise=district.yixin, ended_at__isnull=True).exists()
    assert "No change" in run_import(tmp_path, rows, "--deactivate-missing")


def test_it_gives_imported_people_no_usable_password_and_their_roles(district, tmp_path):
    rows = district_rows()
    rows["people"].append(new_row("people", username="wendy", name="温迪", unit="商务局", role="单位负责人"))

    run_import(tmp_path, rows)

    wendy = User.objects.get(username="wendy")
    assert not wendy.has_usable_password()
    assert wendy.first_name == "温迪" and wendy.is_active
    assert UnitMembership.objects.filter(user=wendy, unit=district.commerce, role=Role.UNIT_HEAD).exists()


def test_it_takes_away_a_role_the_workbook_no_longer_lists_for_a_listed_person(district, tmp_path):
    rows = district_rows()
    carla_row = row_of(rows, "people", "username", "carla")
    set_cell(carla_row, "people", "unit", "商务局")

    output = run_import(tmp_path, rows, "-v", "2")

    assert "- 人员: carla · 工信局企业服务科 · 包联干部" in output
    assert list(UnitMembership.objects.filter(user=district.carla).values_list("unit__name", flat=True)) == ["商务局"]


def test_it_refuses_a_file_that_is_not_a_workbook(db, tmp_path):
    path = tmp_path / "masterdata.xlsx"
    path.write_text("统一社会信用代码,企业名称\n")

    with pytest.raises(CommandError, match="not an Excel workbook"):
        call_command("import_masterdata", str(path), "--language", "en", stdout=StringIO(), stderr=StringIO())


def test_it_names_a_missing_sheet_and_column(district):
    workbook = load_workbook(BytesIO(workbook_bytes(district_rows())))
    del workbook["重点项目"]
    workbook["企业"]["B1"] = "名称"
    edited = BytesIO()
    workbook.save(edited)

    _rows, problems = read_workbook(edited)

    assert [(problem.sheet, problem.row, problem.column) for problem in problems] == [
        ("企业", 1, "企业名称"),
        ("重点项目", None, None),
    ]


def district_with_everything(district):
    """The district, plus what a round trip must keep: a key project with its task force, a person of no unit,
    an inactive enterprise, a supervisor's jurisdiction (sam's), a contact's phone and title."""
    cindy = User.objects.create_user("cindy", first_name="程", last_name="心怡", email="cindy@example.gov.cn")
    project = KeyProject.objects.create(
        name="亿鑫新材料项目", enterprise=district.yixin, stage=ProjectStage.SIGNED, leader=district.leo
    )
    TaskForceMember.objects.create(project=project, user=cindy, level=TaskForceLevel.CITY_LEADER, duty="总协调")
    TaskForceMember.objects.create(
        project=project, user=district.carol, level=TaskForceLevel.DISTRICT_LIAISON, unit=district.industry
    )
    Enterprise.objects.create(name="停产企业", credit_code=NEW_CODE, township=district.township, is_active=False)
    EnterpriseContact.objects.filter(user=district.alice).update(phone="13900000001", title="办公室主任")
    Unit.objects.create(name="乡镇联络组", kind=UnitKind.TOWNSHIP, parent=district.township)


def wipe_master_data() -> None:
    TaskForceMember.objects.all().delete()
    KeyProject.objects.all().delete()
    ServiceAssignment.objects.all().delete()
    Enterprise.objects.all().delete()
    UnitMembership.objects.all().delete()
    Unit.objects.update(parent=None)
    Unit.objects.all().delete()
    User.objects.all().delete()


def test_it_gives_the_same_master_data_after_export_and_import_into_an_empty_database(district, tmp_path):
    district_with_everything(district)
    call_command("export_masterdata", str(tmp_path / "first.xlsx"), stdout=StringIO())
    wipe_master_data()
    assert snapshot() == dict.fromkeys(snapshot(), 0)

    call_command("import_masterdata", str(tmp_path / "first.xlsx"), stdout=StringIO(), stderr=StringIO())
    call_command("export_masterdata", str(tmp_path / "second.xlsx"), stdout=StringIO())

    first, second = cells(tmp_path / "first.xlsx"), cells(tmp_path / "second.xlsx")
    assert first == second
    assert len(first["专班成员"]) == 3
    assert ("cindy", "程 心怡", "cindy@example.gov.cn", None, None, None, "是") in first["人员"]
    assert ServiceAssignment.objects.get().cadre.username == "carol"


def test_it_checks_a_workbook_in_the_same_number_of_queries_whatever_its_size(db):
    def queries(enterprises: int) -> int:
        rows = sample_rows(enterprises)
        with CaptureQueriesContext(connection) as captured:
            plan = plan_for(rows)
        assert plan.problems == [] and len(plan.reports["enterprises"].created) == enterprises
        return len(captured.captured_queries)

    assert queries(10) == queries(60) == 8


def test_it_imports_a_sample_district_and_then_finds_nothing_to_change(db):
    plan = plan_for(sample_rows(40))
    apply_plan(plan)

    assert Enterprise.objects.count() == 40
    assert ServiceAssignment.objects.filter(ended_at__isnull=True).count() == 40
    assert not plan_for(sample_rows(40)).has_changes
