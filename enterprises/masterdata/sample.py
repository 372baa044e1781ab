"""A made-up but valid district of any size, as workbook rows: for measuring the import and for tests.

Every enterprise has a contact and a 包保 row; every 500th a key project with a task force of five.
Nothing here reads the database.
"""

from ..credit_code import check_character
from ..models import ProjectStage, Role, TaskForceLevel, UnitKind
from .schema import LEVELS, ROLES, STAGES, UNIT_KINDS, YES

DISTRICT, DISPATCH, SUPERVISION = "示范区人民政府", "示范区调度室", "示范区督查考核办公室"
BUREAUS = (
    "发展和改革局",
    "工业和信息化局",
    "商务局",
    "财政局",
    "自然资源局",
    "住房和城乡建设局",
    "交通运输局",
    "生态环境局",
    "人力资源和社会保障局",
    "市场监督管理局",
    "税务局",
    "科学技术局",
)
LOCAL_UNITS = (
    ("新华街道", UnitKind.STREET),
    ("和平街道", UnitKind.STREET),
    ("长江街道", UnitKind.STREET),
    ("黄河街道", UnitKind.STREET),
    ("红旗镇", UnitKind.TOWNSHIP),
    ("东风镇", UnitKind.TOWNSHIP),
    ("前进乡", UnitKind.TOWNSHIP),
    ("永安乡", UnitKind.TOWNSHIP),
)
INDUSTRIES = ("化工", "装备制造", "食品加工", "新材料", "电子信息", "物流", "医药", "纺织")
TITLES = ("总经理", "办公室主任", "财务总监", "行政经理")
CADRES_PER_UNIT = 5
LEADERS = 4
PROJECT_EVERY = 500


def credit_code(index: int) -> str:
    """A well-formed code: legal-person enterprise (91), a Harbin division code, the index as organisation code."""
    first_seventeen = f"91230100{index:09d}"
    return first_seventeen + check_character(first_seventeen)


def sample_rows(enterprises: int) -> dict[str, list[list[str]]]:
    """Rows of every sheet, in the schema's column order, for a district of ``enterprises`` enterprises."""
    kind = UNIT_KINDS.label_of
    units = [[DISTRICT, kind(UnitKind.DISTRICT), "", YES]]
    units += [
        [DISPATCH, kind(UnitKind.DISPATCH), DISTRICT, YES],
        [SUPERVISION, kind(UnitKind.SUPERVISION), DISTRICT, YES],
    ]
    units += [[name, kind(UnitKind.BUREAU), DISTRICT, YES] for name in BUREAUS]
    units += [[name, kind(unit_kind), DISTRICT, YES] for name, unit_kind in LOCAL_UNITS]

    role = ROLES.label_of
    people = [
        [f"leader{n}", f"区领导{n}", f"leader{n}@example.gov.cn", DISTRICT, role(Role.LEADER), "", YES]
        for n in range(LEADERS)
    ]
    people.append(["supervisor", "督查员", "", SUPERVISION, role(Role.SUPERVISOR), DISTRICT, YES])
    people.append(["dispatcher", "调度员", "", DISPATCH, role(Role.DISPATCHER), "", YES])
    cadres: dict[str, list[str]] = {}
    for number, name in enumerate([*BUREAUS, *(local for local, _kind in LOCAL_UNITS)]):
        people.append([f"head{number:02d}", f"{name}负责人", "", name, role(Role.UNIT_HEAD), "", YES])
        cadres[name] = [f"cadre{number:02d}{seat}" for seat in range(CADRES_PER_UNIT)]
        people += [
            [username, f"{name}干部{seat}", "", name, role(Role.CADRE), "", YES]
            for seat, username in enumerate(cadres[name])
        ]

    rows: dict[str, list[list[str]]] = {
        "units": units,
        "people": people,
        "enterprises": [],
        "contacts": [],
        "service": [],
        "projects": [],
        "task_force": [],
    }
    for index in range(enterprises):
        code = credit_code(index)
        township = LOCAL_UNITS[index % len(LOCAL_UNITS)][0]
        bureau = BUREAUS[index % len(BUREAUS)]
        name = f"示范企业{index:06d}有限公司"
        rows["enterprises"].append(
            [code, name, township, INDUSTRIES[index % len(INDUSTRIES)], f"示范区产业路{index}号", YES]
        )
        rows["contacts"].append(
            [
                code,
                f"e{index:06d}",
                f"联系人{index}",
                f"139{index:08d}",
                f"e{index:06d}@example.com",
                TITLES[index % len(TITLES)],
                YES,
            ]
        )
        rows["service"].append(
            [
                code,
                f"leader{index % LEADERS}",
                bureau,
                cadres[bureau][index % CADRES_PER_UNIT],
                cadres[township][index % CADRES_PER_UNIT],
            ]
        )
        if index % PROJECT_EVERY == 0:
            project = f"{name}扩产项目"
            stage = STAGES.label_of(list(ProjectStage)[index // PROJECT_EVERY % len(ProjectStage)])
            rows["projects"].append([project, code, stage, f"leader{index % LEADERS}", "新建生产线", YES])
            seats = [
                (f"leader{index % LEADERS}", TaskForceLevel.CITY_LEADER, DISTRICT, "总协调"),
                (f"head{index % len(BUREAUS):02d}", TaskForceLevel.CITY_DEPARTMENT, bureau, "审批协调"),
                *((username, TaskForceLevel.DISTRICT_LIAISON, bureau, "日常联络") for username in cadres[bureau][:3]),
            ]
            rows["task_force"] += [
                [project, code, username, LEVELS.label_of(level), unit, duty] for username, level, unit, duty in seats
            ]
    return rows
