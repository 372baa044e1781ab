"""The workbook's sheets and columns, and the words its coded columns allow.

Headers and coded values are Chinese whatever the reader's language, because that is how districts
keep their spreadsheets; the notes sheet and the problems found are in the reader's language.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import TextChoices
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ..models import ProjectStage, Role, TaskForceLevel, UnitKind

WORKBOOK_LANGUAGE = "zh-hans"
YES, NO = "是", "否"


class Vocabulary:
    """A coded column: the workbook shows a choice's Chinese label; the code itself (``bureau``) is accepted too."""

    def __init__(self, choices: type[TextChoices]) -> None:
        self.choices = choices

    @cached_property
    def labels(self) -> dict[str, str]:
        with translation.override(WORKBOOK_LANGUAGE):
            return {value: str(label) for value, label in self.choices.choices}

    @cached_property
    def values(self) -> dict[str, str]:
        found = {label: value for value, label in self.labels.items()}
        found.update({value: value for value in self.labels})
        return found

    def value_of(self, text: str) -> str | None:
        return self.values.get(text)

    def label_of(self, value: str) -> str:
        return self.labels[value]

    def allowed(self) -> str:
        return "、".join(self.labels.values())


UNIT_KINDS = Vocabulary(UnitKind)
ROLES = Vocabulary(Role)
STAGES = Vocabulary(ProjectStage)
LEVELS = Vocabulary(TaskForceLevel)


def yes_no(value: bool) -> str:
    return YES if value else NO


def parse_yes_no(text: str) -> bool | None:
    """是 or 否 (empty means 是); None when the cell says something else."""
    lowered = text.lower()
    if lowered in ("", YES, "y", "yes", "true", "1"):
        return True
    if lowered in (NO, "n", "no", "false", "0"):
        return False
    return None


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    note: Promise
    required: bool = False
    max_length: int | None = None
    vocabulary: Vocabulary | None = None


@dataclass(frozen=True)
class Sheet:
    key: str
    title: str
    note: Promise
    columns: tuple[Column, ...] = field(default=())

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def header(self, key: str) -> str:
        return next(column.header for column in self.columns if column.key == key)


ACTIVE_NOTE = _("是 or 否; empty means 是. 否 keeps the row but marks it inactive.")
ACCOUNT_NOTE = _("是 or 否; empty means 是. 否 deactivates the account (it can no longer sign in).")
USERNAME_NOTE = _(
    "The account name people sign in with: letters, digits and @ . + - _ only. It identifies the person in "
    "every sheet; an existing account with this name is updated. No passwords: imported people are invited."
)
CREDIT_CODE_NOTE = _("The enterprise's unified social credit code (统一社会信用代码), as in the 企业 sheet.")

UNITS = Sheet(
    "units",
    "单位",
    _(
        "The units and their hierarchy: the district government, bureaus (委办局), townships and street offices "
        "(乡镇街道), the dispatch room and the supervision office. One row per unit, parents in any order."
    ),
    (
        Column("name", "单位名称", _("Unique: the other sheets name the unit by it."), required=True, max_length=100),
        Column("kind", "单位类型", _("The kind of unit."), required=True, vocabulary=UNIT_KINDS),
        Column("parent", "上级单位", _("The name of the unit above it; empty for the top. Jurisdictions follow it.")),
        Column("active", "是否启用", ACTIVE_NOTE),
    ),
)

PEOPLE = Sheet(
    "people",
    "人员",
    _(
        "Officials and their roles: one row per role in a unit. A person with two roles has two rows with the same "
        "username, name and e-mail; a person listed here has exactly the roles of their rows afterwards. A row "
        "without unit and role lists a person with no role (e.g. a city leader of a task force)."
    ),
    (
        Column("username", "用户名", USERNAME_NOTE, required=True, max_length=150),
        Column("name", "姓名", _("Full name, as shown on every page."), required=True, max_length=150),
        Column("email", "电子邮箱", _("Where invitations and notifications go."), max_length=254),
        Column("unit", "所在单位", _("The unit of the role, by its name in the 单位 sheet.")),
        Column("role", "角色", _("The role in that unit."), vocabulary=ROLES),
        Column(
            "jurisdiction",
            "管辖范围",
            _("Supervisors and leaders only: the unit whose whole subtree they oversee; empty means their own unit's."),
        ),
        Column("active", "账号启用", ACCOUNT_NOTE),
    ),
)

ENTERPRISES = Sheet(
    "enterprises",
    "企业",
    _("The enterprises served, one row each, identified by the credit code."),
    (
        Column(
            "credit_code",
            "统一社会信用代码",
            _("18 characters (GB 32100-2015); the check digit is verified."),
            required=True,
            max_length=18,
        ),
        Column("name", "企业名称", _("The registered name."), required=True, max_length=200),
        Column("township", "所属乡镇街道", _("A township or street office of the 单位 sheet."), required=True),
        Column("industry", "行业", _("Free text, e.g. 化工."), max_length=100),
        Column("address", "地址", _("Free text."), max_length=255),
        Column("active", "是否启用", ACTIVE_NOTE),
    ),
)

CONTACTS = Sheet(
    "contacts",
    "企业联系人",
    _(
        "The people who act for an enterprise: they file its problems and confirm the answers, and get an "
        "account. One row per person and enterprise; an enterprise of the 企业 sheet has exactly these contacts "
        "afterwards."
    ),
    (
        Column("credit_code", "统一社会信用代码", CREDIT_CODE_NOTE, required=True),
        Column("username", "用户名", USERNAME_NOTE, required=True, max_length=150),
        Column("name", "姓名", _("Full name."), required=True, max_length=150),
        Column("phone", "手机", _("Mobile phone."), max_length=30),
        Column("email", "电子邮箱", _("Where invitations and notifications go."), max_length=254),
        Column("title", "职务", _("Job title, e.g. 办公室主任."), max_length=100),
        Column("active", "账号启用", ACCOUNT_NOTE),
    ),
)

SERVICE = Sheet(
    "service",
    "三级包保",
    _(
        "The three-level service (三级包保) of each enterprise: a leader, a responsible unit with its cadre, and "
        "the contact of the enterprise's township or street office. One row per enterprise; a changed row ends "
        "the current period and starts a new one (the history is kept)."
    ),
    (
        Column("credit_code", "统一社会信用代码", CREDIT_CODE_NOTE, required=True),
        Column("leader", "包保领导", _("Username of a person with the leader role.")),
        Column("unit", "责任单位", _("The responsible unit, by name."), required=True),
        Column("cadre", "包联干部", _("Username of a cadre or the head of the responsible unit.")),
        Column(
            "local_contact",
            "属地联系人",
            _("Username of a person of the enterprise's township or street office (or a unit below it)."),
        ),
    ),
)

PROJECTS = Sheet(
    "projects",
    "重点项目",
    _("Key projects (重点项目), identified by their name and enterprise."),
    (
        Column("name", "项目名称", _("Unique within its enterprise."), required=True, max_length=150),
        Column("credit_code", "统一社会信用代码", CREDIT_CODE_NOTE, required=True),
        Column("stage", "项目阶段", _("Where the project stands."), required=True, vocabulary=STAGES),
        Column("leader", "包保领导", _("Username of the leader heading the task force (leader role)."), required=True),
        Column("description", "项目简介", _("Free text.")),
        Column("active", "是否启用", ACTIVE_NOTE),
    ),
)

TASK_FORCE = Sheet(
    "task_force",
    "专班成员",
    _(
        "The task force (专班) of each key project: one row per person; a project of the 重点项目 sheet has exactly "
        "these members afterwards."
    ),
    (
        Column("project", "项目名称", _("As in the 重点项目 sheet."), required=True),
        Column("credit_code", "统一社会信用代码", CREDIT_CODE_NOTE, required=True),
        Column("username", "用户名", _("Username of a person of the 人员 sheet."), required=True),
        Column("level", "层级", _("The level the person serves at."), required=True, vocabulary=LEVELS),
        Column("unit", "所在单位", _("The person's unit for this project, by name; may be empty.")),
        Column("duty", "职责", _("Free text, e.g. 协调用地."), max_length=100),
    ),
)

SHEETS: tuple[Sheet, ...] = (UNITS, PEOPLE, ENTERPRISES, CONTACTS, SERVICE, PROJECTS, TASK_FORCE)
NOTES_TITLE = "填写说明"
