"""The demo district's master data: its units, people and their roles, enterprises with their contacts,
the three-level service (三级包保) and the demo leader's key projects. The seven categories and the deadline
policies are the ones the migrations install; the builder reads the categories for the stories.

A district of realistic size: fourteen bureaus (委办局) and eight townships and street offices (乡镇街道), three
cadres and a head in each, and 300 enterprises. The thirty named ones are those of the walk-through's desks;
the others get made-up names. The demo accounts of the README are named here; everyone else gets a made-up
name from the seeded generator, so two empty databases get the same district.
"""

import random
from collections import defaultdict
from collections.abc import Iterator
from typing import NamedTuple

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db.models import Value
from django.db.models.functions import Concat

from cases.models import Category
from enterprises.credit_code import ALPHABET, check_character
from enterprises.models import (
    Enterprise,
    EnterpriseContact,
    KeyProject,
    ProjectStage,
    Role,
    TaskForceLevel,
    TaskForceMember,
    Unit,
    UnitKind,
    UnitMembership,
)
from enterprises.services import ServiceChange, service_assignment_change, service_assignments_change

DEMO_PASSWORD = "huiyin-demo"
DIVISION_CODE = "230109"  # 哈尔滨市松北区

DISTRICT = "松北区人民政府"
DISPATCH_ROOM = "调度室"
SUPERVISION_OFFICE = "督查考核办公室"
REFORM_BUREAU = "发展和改革局"
INDUSTRY_BUREAU = "工业和信息化局"
COMMERCE_BUREAU = "商务局"
LAND_BUREAU = "自然资源局"
LABOUR_BUREAU = "人力资源和社会保障局"
HOUSING_BUREAU = "住房和城乡建设局"
MARKET_BUREAU = "市场监督管理局"

FINANCE_BUREAU = "财政局"
SCIENCE_BUREAU = "科学技术局"
ENVIRONMENT_BUREAU = "生态环境分局"
TRANSPORT_BUREAU = "交通运输局"
SAFETY_BUREAU = "应急管理局"
APPROVAL_BUREAU = "行政审批局"
BUSINESS_BUREAU = "营商环境建设监督局"

# Name and username prefix of each bureau.
BUREAUS = (
    (REFORM_BUREAU, "fgj"),
    (INDUSTRY_BUREAU, "gxj"),
    (COMMERCE_BUREAU, "swj"),
    (LAND_BUREAU, "zrj"),
    (LABOUR_BUREAU, "rsj"),
    (HOUSING_BUREAU, "zjj"),
    (MARKET_BUREAU, "scj"),
    (FINANCE_BUREAU, "czj"),
    (SCIENCE_BUREAU, "kjj"),
    (ENVIRONMENT_BUREAU, "sthj"),
    (TRANSPORT_BUREAU, "jtj"),
    (SAFETY_BUREAU, "yjj"),
    (APPROVAL_BUREAU, "spj"),
    (BUSINESS_BUREAU, "ysj"),
)
LOCAL_UNITS = (
    ("松浦街道", UnitKind.STREET, "spjd"),
    ("乐业镇", UnitKind.TOWNSHIP, "lyz"),
    ("对青山镇", UnitKind.TOWNSHIP, "dqsz"),
    ("万宝街道", UnitKind.STREET, "wbjd"),
    ("太阳岛街道", UnitKind.STREET, "tydjd"),
    ("松北街道", UnitKind.STREET, "sbjd"),
    ("利民街道", UnitKind.STREET, "lmjd"),
    ("船口街道", UnitKind.STREET, "ckjd"),
)
CADRES_PER_UNIT = 3

ADMIN = "admin"
CONTACT = "contact"


class DemoAccount(NamedTuple):
    username: str
    name: str
    role: str  # a Role, ADMIN or CONTACT
    place: str  # the unit of an official, the enterprise of a contact


DEMO_ACCOUNTS = (
    DemoAccount("admin", "周平", ADMIN, ""),
    DemoAccount("leader", "李强", Role.LEADER, DISTRICT),
    DemoAccount("supervisor", "孙明", Role.SUPERVISOR, SUPERVISION_OFFICE),
    DemoAccount("dispatcher", "杜兰", Role.DISPATCHER, DISPATCH_ROOM),
    DemoAccount("unithead", "黄海", Role.UNIT_HEAD, INDUSTRY_BUREAU),
    DemoAccount("cadre", "陈静", Role.CADRE, INDUSTRY_BUREAU),
    DemoAccount("cadre2", "刘德明", Role.CADRE, REFORM_BUREAU),
    DemoAccount("enterprise", "王丽", CONTACT, "亿鑫化工有限公司"),
    DemoAccount("enterprise2", "赵博", CONTACT, "哈尔滨宏达机械制造有限公司"),
)
# The enterprises of the two demo contacts and the demo cadre who serves each (包联).
DEMO_SERVICE = {"亿鑫化工有限公司": "cadre", "哈尔滨宏达机械制造有限公司": "cadre2"}
# Officials beyond the demo accounts: username, unit, role.
MORE_OVERSEERS = (
    ("leader2", DISTRICT, Role.LEADER),
    ("leader3", DISTRICT, Role.LEADER),
    ("leader4", DISTRICT, Role.LEADER),
    ("leader5", DISTRICT, Role.LEADER),
    ("dispatcher2", DISPATCH_ROOM, Role.DISPATCHER),
    ("supervisor2", SUPERVISION_OFFICE, Role.SUPERVISOR),
)

# Key projects of the demo leader (重点项目) and their task forces (专班): username, level, unit, duty.
KEY_PROJECTS = (
    (
        "亿鑫化工新材料产业园项目",
        "亿鑫化工有限公司",
        ProjectStage.STARTED,
        (
            ("leader2", TaskForceLevel.CITY_LEADER, DISTRICT, "协调用地和电力"),
            ("unithead", TaskForceLevel.CITY_DEPARTMENT, INDUSTRY_BUREAU, "项目推进"),
            ("cadre2", TaskForceLevel.CITY_DEPARTMENT, REFORM_BUREAU, "立项审批"),
            ("cadre", TaskForceLevel.DISTRICT_LIAISON, INDUSTRY_BUREAU, "日常联络"),
            ("dispatcher", TaskForceLevel.DISTRICT_LIAISON, DISPATCH_ROOM, "诉求调度"),
        ),
    ),
    (
        "宏达智能装备扩产项目",
        "哈尔滨宏达机械制造有限公司",
        ProjectStage.SIGNED,
        (
            ("cadre2", TaskForceLevel.CITY_DEPARTMENT, REFORM_BUREAU, "前期手续"),
            ("cadre", TaskForceLevel.DISTRICT_LIAISON, INDUSTRY_BUREAU, "日常联络"),
        ),
    ),
)

SURNAMES = (
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "曹", "邓", "许",
)  # fmt: skip
GIVEN_NAMES = (
    "伟", "芳", "娜", "敏", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "超", "霞", "平", "刚",
    "建华", "志强", "晓东", "海燕", "春雷", "立新", "红梅", "国庆", "丽娟", "文博", "雪松", "玉兰",
    "振宇", "佳怡", "宏伟", "秀英", "子涵", "淑芬", "德胜", "明轩",
)  # fmt: skip
OTHER_LEADERS = tuple(username for username, _unit, role in MORE_OVERSEERS if role == Role.LEADER)
SERVICE_NOTE = "建立三级包保关系"
WITHOUT_CADRE_NOTE = "包联干部轮岗调整中，诉求暂由调度室派单"
CONTACT_TITLES = ("总经理", "副总经理", "办公室主任", "行政主管", "财务总监", "董事长助理", "生产部经理")


class EnterpriseSeed(NamedTuple):
    name: str
    industry: str
    township: str
    address: str
    bureau: str  # the responsible unit of its 三级包保


ENTERPRISES = (
    EnterpriseSeed("亿鑫化工有限公司", "化工", "松浦街道", "哈尔滨市松北区松浦大道168号", INDUSTRY_BUREAU),
    EnterpriseSeed("哈尔滨宏达机械制造有限公司", "装备制造", "乐业镇", "哈尔滨市松北区乐业镇兴业路6号", REFORM_BUREAU),
    EnterpriseSeed(
        "黑龙江北药生物科技有限公司", "生物医药", "松浦街道", "哈尔滨市松北区创新二路777号", INDUSTRY_BUREAU
    ),
    EnterpriseSeed(
        "哈尔滨冰城绿色食品有限公司", "食品加工", "对青山镇", "哈尔滨市松北区对青山镇友谊路12号", MARKET_BUREAU
    ),
    EnterpriseSeed(
        "哈尔滨松江新材料股份有限公司", "新材料", "松浦街道", "哈尔滨市松北区智谷大街288号", INDUSTRY_BUREAU
    ),
    EnterpriseSeed(
        "黑龙江龙江智能装备有限公司", "智能制造", "乐业镇", "哈尔滨市松北区乐业镇中源大道99号", INDUSTRY_BUREAU
    ),
    EnterpriseSeed(
        "哈尔滨天恒电子科技有限公司", "电子信息", "松浦街道", "哈尔滨市松北区创新一路1616号", INDUSTRY_BUREAU
    ),
    EnterpriseSeed("黑龙江华瑞建材有限公司", "建材", "对青山镇", "哈尔滨市松北区对青山镇建材园区8号", HOUSING_BUREAU),
    EnterpriseSeed("哈尔滨金谷粮油有限公司", "粮油加工", "对青山镇", "哈尔滨市松北区对青山镇粮贸路26号", MARKET_BUREAU),
    EnterpriseSeed(
        "哈尔滨北方汽车零部件有限公司", "汽车零部件", "乐业镇", "哈尔滨市松北区乐业镇汽配园3号", INDUSTRY_BUREAU
    ),
    EnterpriseSeed("黑龙江恒信物流有限公司", "现代物流", "乐业镇", "哈尔滨市松北区乐业镇物流园区18号", COMMERCE_BUREAU),
    EnterpriseSeed("哈尔滨瑞康医疗器械有限公司", "医疗器械", "松浦街道", "哈尔滨市松北区创新三路600号", MARKET_BUREAU),
    EnterpriseSeed("哈尔滨东润热力有限公司", "能源供热", "松浦街道", "哈尔滨市松北区世茂大道225号", HOUSING_BUREAU),
    EnterpriseSeed(
        "黑龙江禾丰农业科技有限公司", "现代农业", "对青山镇", "哈尔滨市松北区对青山镇农业示范园1号", REFORM_BUREAU
    ),
    EnterpriseSeed(
        "哈尔滨博远软件有限公司", "软件和信息服务", "松浦街道", "哈尔滨市松北区科技创新城A座", LABOUR_BUREAU
    ),
    EnterpriseSeed("哈尔滨鑫源包装制品有限公司", "包装印刷", "乐业镇", "哈尔滨市松北区乐业镇纬三路15号", MARKET_BUREAU),
    EnterpriseSeed(
        "黑龙江寒地冰雪装备有限公司", "冰雪装备", "对青山镇", "哈尔滨市松北区对青山镇冰雪路9号", COMMERCE_BUREAU
    ),
    EnterpriseSeed(
        "哈尔滨安泰消防科技有限公司", "消防设备", "松浦街道", "哈尔滨市松北区祥安北大街56号", HOUSING_BUREAU
    ),
    EnterpriseSeed(
        "哈尔滨正阳精密铸造有限公司", "精密铸造", "乐业镇", "哈尔滨市松北区乐业镇经五路21号", INDUSTRY_BUREAU
    ),
    EnterpriseSeed("黑龙江绿源乳业有限公司", "乳制品", "对青山镇", "哈尔滨市松北区对青山镇牧业路3号", MARKET_BUREAU),
    EnterpriseSeed("哈尔滨中科光电技术有限公司", "光电", "松浦街道", "哈尔滨市松北区创新二路1599号", REFORM_BUREAU),
    EnterpriseSeed("哈尔滨嘉禾纺织有限公司", "纺织服装", "乐业镇", "哈尔滨市松北区乐业镇纬一路40号", LABOUR_BUREAU),
    EnterpriseSeed(
        "黑龙江松北文旅发展有限公司", "文化旅游", "松浦街道", "哈尔滨市松北区太阳岛东区2号", COMMERCE_BUREAU
    ),
    EnterpriseSeed("哈尔滨德盛塑业有限公司", "塑料制品", "乐业镇", "哈尔滨市松北区乐业镇经三路11号", LAND_BUREAU),
    EnterpriseSeed("哈尔滨康源制药有限公司", "制药", "松浦街道", "哈尔滨市松北区创新三路888号", REFORM_BUREAU),
    EnterpriseSeed("黑龙江云端数据科技有限公司", "大数据", "松浦街道", "哈尔滨市松北区智谷二街32号", LAND_BUREAU),
    EnterpriseSeed("哈尔滨兴隆木业有限公司", "木材加工", "对青山镇", "哈尔滨市松北区对青山镇林场路7号", LAND_BUREAU),
    EnterpriseSeed("哈尔滨卓越新能源有限公司", "新能源", "乐业镇", "哈尔滨市松北区乐业镇光伏产业园5号", REFORM_BUREAU),
    EnterpriseSeed(
        "哈尔滨恒达钢结构工程有限公司", "钢结构", "对青山镇", "哈尔滨市松北区对青山镇工业路19号", HOUSING_BUREAU
    ),
    EnterpriseSeed(
        "黑龙江万家福连锁超市有限公司", "商贸零售", "松浦街道", "哈尔滨市松北区中源大道1188号", COMMERCE_BUREAU
    ),
)
# Their cadre is being rotated: cases wait in the dispatch room instead of routing themselves.
ENTERPRISES_WITHOUT_CADRE = frozenset(seed.name for seed in ENTERPRISES[-4:])
# Their 包联 cadre changed once, so the service history has an ended period.
ENTERPRISES_WITH_ROTATED_CADRE = frozenset(seed.name for seed in ENTERPRISES[2:11:4])

# The other enterprises of the district, up to ENTERPRISE_COUNT, with names made of these parts.
ENTERPRISE_COUNT = 300
NAME_PLACES = ("哈尔滨", "黑龙江", "哈尔滨松北", "龙江")
NAME_CORES = (
    "恒达", "鑫源", "华信", "龙盛", "天成", "永泰", "金盛", "宏远", "瑞丰", "盛达", "聚鑫", "明达", "远航", "东方",
    "北辰", "泰和", "兴业", "广源", "正通", "新宇", "博大", "鸿运", "三江", "万通", "众诚", "华泰", "顺达", "中联",
    "益民", "冰川", "松江", "金桥", "汇丰源", "福瑞", "长青", "丰泽",
)  # fmt: skip
NAME_TRADES = (
    ("机械制造", "装备制造"), ("食品", "食品加工"), ("物流", "现代物流"), ("建材", "建材"), ("电子科技", "电子信息"),
    ("生物科技", "生物医药"), ("新能源科技", "新能源"), ("包装材料", "包装印刷"), ("医药", "制药"),
    ("软件", "软件和信息服务"), ("农业发展", "现代农业"), ("汽车配件", "汽车零部件"), ("化工", "化工"),
    ("环保科技", "节能环保"), ("商贸", "商贸零售"), ("建筑工程", "建筑业"), ("服饰", "纺织服装"), ("冷链", "冷链物流"),
    ("木业", "木材加工"), ("数据科技", "大数据"), ("精密仪器", "仪器仪表"), ("乳业", "乳制品"),
)  # fmt: skip
NAME_FORMS = ("有限公司", "有限公司", "股份有限公司", "有限责任公司")
STREETS = ("兴业路", "创新一路", "创新二路", "智谷大街", "世茂大道", "中源大道", "祥安北大街", "工业路", "纬三路")
# The bureaus that serve (包联) most enterprises, by how many; a third are served by their own township or street.
SERVING_BUREAUS = {
    INDUSTRY_BUREAU: 6,
    REFORM_BUREAU: 4,
    COMMERCE_BUREAU: 4,
    SCIENCE_BUREAU: 3,
    MARKET_BUREAU: 2,
    HOUSING_BUREAU: 1,
    FINANCE_BUREAU: 1,
    ENVIRONMENT_BUREAU: 1,
    TRANSPORT_BUREAU: 1,
    SAFETY_BUREAU: 1,
    APPROVAL_BUREAU: 1,
    BUSINESS_BUREAU: 1,
    LAND_BUREAU: 1,
    LABOUR_BUREAU: 1,
}
LOCALLY_SERVED_SHARE = 0.3
# Share of the other enterprises whose cadre is being rotated, as for the last four named ones.
WITHOUT_CADRE_SHARE = 0.06


def credit_codes(rng: random.Random) -> Iterator[str]:
    """Endless distinct valid codes: 9 (enterprise), 1 (company), the division, nine characters, the check."""
    issued = set()
    while True:
        first_seventeen = f"91{DIVISION_CODE}" + "".join(rng.choice(ALPHABET) for _ in range(9))
        if first_seventeen not in issued:
            issued.add(first_seventeen)
            yield first_seventeen + check_character(first_seventeen)


def demo_data_exists() -> bool:
    return (
        User.objects.filter(username="admin").exists()
        and Unit.objects.filter(name=DISTRICT, kind=UnitKind.DISTRICT, parent__isnull=True).exists()
    )


def unit_names() -> list[str]:
    bureaus = [name for name, _prefix in BUREAUS]
    local_units = [name for name, _kind, _prefix in LOCAL_UNITS]
    return [DISTRICT, DISPATCH_ROOM, SUPERVISION_OFFICE, *bureaus, *local_units]


class DemoDistrict:
    """Builds the district in dependency order and keeps the objects the case stories act with.

    Acting users are always the objects created here, never copies loaded from a
    case, so that each user's roles are read once and cached on the object.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.units: dict[str, Unit] = {}
        self.units_by_pk: dict[int, Unit] = {}
        self.users: dict[str, User] = {}
        self.users_by_pk: dict[int, User] = {}
        self.cadres: dict[int, list[User]] = defaultdict(list)  # unit pk -> its cadres
        self.heads: dict[int, User] = {}  # unit pk -> its head
        self.seeds: list[EnterpriseSeed] = []
        self.without_cadre: set[str] = set(ENTERPRISES_WITHOUT_CADRE)
        self.enterprises: list[Enterprise] = []  # all of them, the named ones first
        self.contacts: dict[int, list[User]] = defaultdict(list)  # enterprise pk -> its contacts
        self.serving_cadre: dict[int, User] = {}  # enterprise pk -> its 包联 cadre, absent while it has none
        self.serving_unit: dict[int, Unit] = {}  # enterprise pk -> the unit of its 三级包保
        self.categories = {category.code: category for category in Category.objects.all()}
        self.categories_by_pk = {category.pk: category for category in self.categories.values()}
        self.taken_names = {account.name for account in DEMO_ACCOUNTS}

    def build(self) -> None:
        self.build_units()
        self.build_enterprises()
        self.build_people()
        self.build_service()
        self.build_key_projects()

    def give_addresses(self) -> None:
        """Addresses come after the history, so weeks-old events send no e-mail; new ones do.

        The domain is reserved: in the demo, e-mails land as files under var/mail.
        """
        User.objects.filter(pk__in=self.users_by_pk).update(email=Concat("username", Value("@huiyin.example")))

    def build_units(self) -> None:
        root = Unit.objects.create(name=DISTRICT, kind=UnitKind.DISTRICT)
        children = [
            *(Unit(name=name, kind=UnitKind.BUREAU, parent=root) for name, _ in BUREAUS),
            *(Unit(name=name, kind=kind, parent=root) for name, kind, _ in LOCAL_UNITS),
            Unit(name=DISPATCH_ROOM, kind=UnitKind.DISPATCH, parent=root),
            Unit(name=SUPERVISION_OFFICE, kind=UnitKind.SUPERVISION, parent=root),
        ]
        for unit in [root, *Unit.objects.bulk_create(children)]:
            self.units[unit.name] = unit
            self.units_by_pk[unit.pk] = unit

    @property
    def walkthrough_enterprises(self) -> list[Enterprise]:
        """The named enterprises, whose cases the desks of the walk-through work on."""
        return self.enterprises[: len(ENTERPRISES)]

    def build_enterprises(self) -> None:
        codes = credit_codes(self.rng)
        self.seeds = [*ENTERPRISES, *self.more_enterprises()]
        self.enterprises = Enterprise.objects.bulk_create(
            Enterprise(
                name=seed.name,
                credit_code=next(codes),
                industry=seed.industry,
                address=seed.address,
                township=self.units[seed.township],
            )
            for seed in self.seeds
        )

    def more_enterprises(self) -> Iterator[EnterpriseSeed]:
        """Made-up enterprises up to ENTERPRISE_COUNT, each served by a bureau or by its own township or street."""
        names = {seed.name for seed in ENTERPRISES}
        townships = [name for name, _kind, _prefix in LOCAL_UNITS]
        bureaus, weights = list(SERVING_BUREAUS), list(SERVING_BUREAUS.values())
        while len(names) < ENTERPRISE_COUNT:
            trade, industry = self.rng.choice(NAME_TRADES)
            name = self.rng.choice(NAME_PLACES) + self.rng.choice(NAME_CORES) + trade + self.rng.choice(NAME_FORMS)
            if name in names:
                continue
            names.add(name)
            township = self.rng.choice(townships)
            local = self.rng.random() < LOCALLY_SERVED_SHARE
            serving = township if local else self.rng.choices(bureaus, weights=weights)[0]
            if self.rng.random() < WITHOUT_CADRE_SHARE:
                self.without_cadre.add(name)
            address = f"哈尔滨市松北区{township}{self.rng.choice(STREETS)}{self.rng.randint(1, 999)}号"
            yield EnterpriseSeed(name, industry, township, address, serving)

    def new_name(self) -> str:
        while True:
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN_NAMES)
            if name not in self.taken_names:
                self.taken_names.add(name)
                return name

    def build_people(self) -> None:
        """One password hash for everyone: hashing it per user would take most of the run."""
        password = make_password(DEMO_PASSWORD)
        people: list[tuple[str, str]] = [(account.username, account.name) for account in DEMO_ACCOUNTS]
        memberships: list[tuple[str, str, str]] = [
            (account.username, account.place, account.role) for account in DEMO_ACCOUNTS if account.role in Role.values
        ]
        contacts: list[tuple[str, str]] = [
            (account.username, account.place) for account in DEMO_ACCOUNTS if account.role == CONTACT
        ]
        for username, unit, role in MORE_OVERSEERS:
            people.append((username, self.new_name()))
            memberships.append((username, unit, role))
        local_units = [(name, prefix) for name, _, prefix in LOCAL_UNITS]
        for unit, prefix in [*BUREAUS, *local_units]:
            if not any(place == unit and role == Role.UNIT_HEAD for _, place, role in memberships):
                people.append((f"{prefix}-head", self.new_name()))
                memberships.append((f"{prefix}-head", unit, Role.UNIT_HEAD))
            cadres_so_far = sum(1 for _, place, role in memberships if place == unit and role == Role.CADRE)
            for number in range(cadres_so_far + 1, CADRES_PER_UNIT + 1):
                people.append((f"{prefix}-cadre{number}", self.new_name()))
                memberships.append((f"{prefix}-cadre{number}", unit, Role.CADRE))
        with_contact = {enterprise for _, enterprise in contacts}
        for number, seed in enumerate(self.seeds, 1):
            if seed.name not in with_contact:
                people.append((f"contact{number:03d}", self.new_name()))
                contacts.append((f"contact{number:03d}", seed.name))

        created = User.objects.bulk_create(
            User(
                username=username,
                first_name=name,
                password=password,
                is_staff=username == ADMIN,
                is_superuser=username == ADMIN,
            )
            for username, name in people
        )
        self.users = {user.username: user for user in created}
        self.users_by_pk = {user.pk: user for user in created}
        self.create_memberships(memberships)
        self.create_contacts(contacts)

    def create_memberships(self, memberships: list[tuple[str, str, str]]) -> None:
        district = self.units[DISTRICT]
        rows = [
            UnitMembership(
                user=self.users[username],
                unit=self.units[unit],
                role=role,
                jurisdiction=district if role in (Role.SUPERVISOR, Role.LEADER) else None,
            )
            for username, unit, role in memberships
        ]
        UnitMembership.objects.bulk_create(rows)
        for row in rows:
            if row.role == Role.CADRE:
                self.cadres[row.unit.pk].append(row.user)
            elif row.role == Role.UNIT_HEAD:
                self.heads[row.unit.pk] = row.user

    def create_contacts(self, contacts: list[tuple[str, str]]) -> None:
        enterprise_by_name = {enterprise.name: enterprise for enterprise in self.enterprises}
        rows = [
            EnterpriseContact(
                user=self.users[username],
                enterprise=enterprise_by_name[enterprise],
                title=self.rng.choice(CONTACT_TITLES),
                phone=f"1{self.rng.choice('3578')}{self.rng.randrange(10**9):09d}",
            )
            for username, enterprise in contacts
        ]
        EnterpriseContact.objects.bulk_create(rows)
        for row in rows:
            self.contacts[row.enterprise.pk].append(row.user)

    def build_service(self) -> None:
        """Three-level service for every enterprise: a leader, a bureau (or its township) and its cadre, the local
        contact. The named enterprises one by one, the others in one statement per note."""
        leaders = [self.users["leader"], self.users["leader"], self.users["leader2"], self.users["leader3"]]
        admin = self.users[ADMIN]
        for seed, enterprise in zip(ENTERPRISES, self.walkthrough_enterprises, strict=True):
            bureau = self.units[seed.bureau]
            if seed.name in DEMO_SERVICE:
                cadre, leader = self.users[DEMO_SERVICE[seed.name]], self.users["leader"]
            else:
                cadre, leader = self.rng.choice(self.cadres[bureau.pk]), self.rng.choice(leaders)
            local_contact = self.rng.choice(self.cadres[enterprise.township_id])
            if seed.name in ENTERPRISES_WITH_ROTATED_CADRE:
                predecessor = next(other for other in self.cadres[bureau.pk] if other != cadre)
                service_assignment_change(
                    enterprise=enterprise,
                    unit=bureau,
                    cadre=predecessor,
                    leader=leader,
                    local_contact=local_contact,
                    changed_by=admin,
                    note=SERVICE_NOTE,
                )
                note = "干部轮岗，调整包联干部"
            else:
                note = SERVICE_NOTE
            if seed.name in ENTERPRISES_WITHOUT_CADRE:
                cadre, note = None, WITHOUT_CADRE_NOTE
            service_assignment_change(
                enterprise=enterprise,
                unit=bureau,
                cadre=cadre,
                leader=leader,
                local_contact=local_contact,
                changed_by=admin,
                note=note,
            )
            self.serving_unit[enterprise.pk] = bureau
            if cadre is not None:
                self.serving_cadre[enterprise.pk] = cadre
        self.build_more_service(leaders=[self.users[name] for name in ("leader", *OTHER_LEADERS)])

    def build_more_service(self, *, leaders: list[User]) -> None:
        changes: dict[str, list[ServiceChange]] = defaultdict(list)
        for seed, enterprise in zip(self.seeds[len(ENTERPRISES) :], self.enterprises[len(ENTERPRISES) :], strict=True):
            unit = self.units[seed.bureau]
            cadre = None if seed.name in self.without_cadre else self.rng.choice(self.cadres[unit.pk])
            change = ServiceChange(
                enterprise_id=enterprise.pk,
                unit_id=unit.pk,
                cadre_id=cadre.pk if cadre else None,
                leader_id=self.rng.choice(leaders).pk,
                local_contact_id=self.rng.choice(self.cadres[enterprise.township_id]).pk,
            )
            changes[SERVICE_NOTE if cadre else WITHOUT_CADRE_NOTE].append(change)
            self.serving_unit[enterprise.pk] = unit
            if cadre is not None:
                self.serving_cadre[enterprise.pk] = cadre
        for note, group in changes.items():
            service_assignments_change(changes=group, changed_by=self.users[ADMIN], note=note)

    def build_key_projects(self) -> None:
        """Two key projects headed by the demo leader: one task force at full strength, one short of five."""
        enterprise_by_name = {enterprise.name: enterprise for enterprise in self.enterprises}
        for name, enterprise, stage, seats in KEY_PROJECTS:
            project = KeyProject.objects.create(
                name=name, enterprise=enterprise_by_name[enterprise], stage=stage, leader=self.users["leader"]
            )
            TaskForceMember.objects.bulk_create(
                TaskForceMember(
                    project=project, user=self.users[username], level=level, unit=self.units[unit], duty=duty
                )
                for username, level, unit, duty in seats
            )
