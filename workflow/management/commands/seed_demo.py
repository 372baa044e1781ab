"""Seed a demo district: units, people, enterprises under 三级包保, and about two hundred cases.

Every case is written through ``workflow.services``, so each one has the event
history and notifications a real case would have. All random choices come from
one seeded generator, so two empty databases get the same demo.
"""

import random
from collections import defaultdict
from datetime import datetime, timedelta
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Q, Value
from django.db.models.functions import Concat
from django.utils import timezone

from cases.models import (
    Case,
    CaseState,
    Category,
    Closure,
    Complexity,
    ResolutionType,
    Visibility,
    resolution_overdue_q,
)
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
from enterprises.services import service_assignment_change
from workflow import clock
from workflow.services import (
    case_accept,
    case_assign,
    case_close,
    case_file,
    case_reassign,
    case_reopen,
    case_resolve,
    case_send_back,
    case_withdraw,
    comment_add,
)

User = get_user_model()

DEMO_PASSWORD = "huiyin-demo"
SEED = 2026
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

# Name and username prefix of each bureau.
BUREAUS = (
    (REFORM_BUREAU, "fgj"),
    (INDUSTRY_BUREAU, "gxj"),
    (COMMERCE_BUREAU, "swj"),
    (LAND_BUREAU, "zrj"),
    (LABOUR_BUREAU, "rsj"),
    (HOUSING_BUREAU, "zjj"),
    (MARKET_BUREAU, "scj"),
)
LOCAL_UNITS = (
    ("松浦街道", UnitKind.STREET, "spjd"),
    ("乐业镇", UnitKind.TOWNSHIP, "lyz"),
    ("对青山镇", UnitKind.TOWNSHIP, "dqsz"),
)
CADRES_PER_UNIT = 2

# Stands for the enterprise's own township or street in CATEGORY_UNITS.
OWN_TOWNSHIP = ""

# Where the dispatcher sends a case of each category; two or more choices, so a returned case can go elsewhere.
CATEGORY_UNITS = {
    "financing": (REFORM_BUREAU, INDUSTRY_BUREAU),
    "approval": (REFORM_BUREAU, LAND_BUREAU, HOUSING_BUREAU),
    "legal": (MARKET_BUREAU, COMMERCE_BUREAU),
    "infrastructure": (OWN_TOWNSHIP, LAND_BUREAU, HOUSING_BUREAU),
    "business_environment": (MARKET_BUREAU, COMMERCE_BUREAU, REFORM_BUREAU),
    "livelihood": (OWN_TOWNSHIP, LABOUR_BUREAU),
    "talent": (LABOUR_BUREAU, INDUSTRY_BUREAU),
}

# Categories whose problems more often need several departments or a leader (大事集中会办).
OFTEN_COMPLEX = ("approval", "infrastructure")

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
# The demo contacts' enterprises come up this many times as often as the others.
DEMO_ENTERPRISE_WEIGHT = 5


class Problem(NamedTuple):
    category: str
    title: str
    description: str
    reply: str


PROBLEMS = (
    Problem(
        "financing",
        "流动资金缺口，申请对接银行信贷",
        "受原料价格上涨影响，企业流动资金缺口约800万元，现有授信额度已用满，希望协调银行续贷或新增授信。",
        "已组织区内三家银行上门对接，建设银行松北支行拟新增授信600万元，材料已受理，预计两周内放款。",
    ),
    Problem(
        "financing",
        "融资担保费率偏高",
        "企业通过商业担保公司贷款，担保费率达2.5%，综合融资成本偏高，希望了解政府性融资担保政策。",
        "已协调区政府性融资担保机构受理，担保费率降至1%以内，并帮助企业申报担保费补贴。",
    ),
    Problem(
        "financing",
        "设备更新贷款贴息政策咨询",
        "企业计划购置两条自动化生产线，听说有设备更新改造贷款贴息政策，但不清楚申报条件和时间。",
        "已向企业书面提供贷款贴息政策文件和申报指南，安排专人指导填报，企业已完成线上申报。",
    ),
    Problem(
        "financing",
        "应收账款质押融资受阻",
        "企业对大型国企有应收账款约1200万元，办理应收账款质押融资时核心企业迟迟不确权。",
        "经协调，核心企业已在应收账款融资服务平台完成确权，银行已受理质押融资申请。",
    ),
    Problem(
        "financing",
        "上市辅导需求",
        "企业计划三年内申报北交所上市，缺乏上市辅导资源，希望推荐券商和会计师事务所。",
        "已将企业纳入区级上市后备企业库，组织两家券商和一家会计师事务所上门开展专项辅导。",
    ),
    Problem(
        "financing",
        "技改补贴资金未拨付",
        "去年申报的技术改造补贴已公示通过，但至今未拨付，企业资金周转困难。",
        "经查，补贴资金已纳入本年度预算，财政部门已完成拨付审核，资金本周内到账。",
    ),
    Problem(
        "financing",
        "抵押物不足导致贷款额度受限",
        "企业为高新技术企业，研发投入大但厂房为租赁，缺少抵押物，银行授信额度不足。",
        "已推荐企业申请“科技贷”信用贷款，银行按知识产权质押方式给予300万元授信。",
    ),
    Problem(
        "approval",
        "原料不足，影响正常生产",
        "企业主要原料乙二醇供应紧张，现有库存仅够十天生产，希望协调省内国有企业保障供应。",
        "已协调大庆石化与企业签订保供协议，首批原料已到厂，后续按月稳定供应。",
    ),
    Problem(
        "approval",
        "扩产项目环评审批慢",
        "新建年产2万吨生产线项目，环评报告书已提交两个月仍未批复，设备无法进场安装。",
        "已协调生态环境部门开辟绿色通道，专家评审会已召开，环评批复已于五个工作日内出具。",
    ),
    Problem(
        "approval",
        "施工许可卡在图审环节",
        "厂房二期工程施工图审查意见反复修改，施工许可证迟迟办不下来，施工队已进场待工。",
        "住建部门已组织图审机构与设计单位现场会商，一次性告知修改意见，施工许可证已核发。",
    ),
    Problem(
        "approval",
        "竣工验收需要多部门跑腿",
        "新厂房竣工验收需分别到消防、规划、质监等部门办理，来回跑了多次仍未办完。",
        "已启用联合验收机制，各部门同日现场验收，企业只跑一次，竣工验收备案已完成。",
    ),
    Problem(
        "approval",
        "项目备案信息无法变更",
        "项目投资额调整后需要变更备案信息，投资项目在线审批平台提示无法修改。",
        "发改部门已在在线审批监管平台为企业办理备案变更，新的备案证明已生成。",
    ),
    Problem(
        "approval",
        "排污许可证延续迟迟未审",
        "排污许可证下月到期，延续申请提交后系统一直显示待审核，担心影响生产。",
        "生态环境部门已完成审核，排污许可证延续手续办结，有效期五年。",
    ),
    Problem(
        "approval",
        "新签约项目前期手续多",
        "新签约项目计划年内开工，立项、规划、环评、能评手续多，希望并联办理、压缩时间。",
        "已将项目列入重点项目专班服务，立项、规划、环评、能评并联审批，二十个工作日内全部办结。",
    ),
    Problem(
        "legal",
        "外省客户拖欠货款",
        "外省客户拖欠货款180万元，多次催讨无果，希望获得律师咨询和维权指导。",
        "已安排法律服务团律师上门提供咨询，协助企业发出律师函并准备诉讼材料。",
    ),
    Problem(
        "legal",
        "商标在外地被抢注",
        "企业主打产品商标在外省被他人抢注，影响产品销售，希望得到知识产权方面的指导。",
        "市场监管部门已指导企业提出商标无效宣告申请，并推荐知识产权代理机构跟进。",
    ),
    Problem(
        "legal",
        "专利产品被仿制",
        "发现外地企业仿制本企业专利产品低价销售，希望获得维权渠道和专家意见。",
        "已联系知识产权保护中心出具侵权判定咨询意见，并指导企业向当地市场监管部门投诉。",
    ),
    Problem(
        "legal",
        "新产品中试遇到技术难题",
        "新产品中试阶段纯度不达标，企业技术力量不足，希望对接高校专家会诊。",
        "已对接哈尔滨工业大学相关课题组，专家到企业现场会诊并提出工艺改进方案。",
    ),
    Problem(
        "legal",
        "首次轻微违法被处罚有异议",
        "企业因产品标识不规范被处罚，属首次轻微违法且已整改，希望了解不予处罚的适用条件。",
        "经复核，企业情形符合首违不罚清单，已依法撤销处罚决定并开展行政指导。",
    ),
    Problem(
        "legal",
        "出口合同合规咨询",
        "企业首次承接境外订单，对出口合同条款和贸易合规要求不熟悉，担心签约风险。",
        "商务局已组织外贸合规辅导，并安排专家逐条审核合同条款，企业已顺利签约。",
    ),
    Problem(
        "infrastructure",
        "专用电力线缆增容",
        "新上生产线后用电负荷增加，园区现有专用电力线缆容量不足，需要增容改造。",
        "已协调国网松北供电公司制定增容方案，新建电缆线路已敷设完毕并送电。",
    ),
    Problem(
        "infrastructure",
        "电线杆和树木等地上物迁移",
        "项目用地内有电线杆12根、树木约300棵，影响场地平整，需要协调迁移。",
        "属地牵头，电力、园林部门联合现场办公，地上物已全部迁移完毕，场地已平整。",
    ),
    Problem(
        "infrastructure",
        "厂区门前道路未修通",
        "企业门前规划道路尚未修通，大型货车无法进出，原料和产品运输困难。",
        "道路已纳入本年度建设计划，临时便道已修通，货车可正常通行。",
    ),
    Problem(
        "infrastructure",
        "工业用水水压不足",
        "夏季用水高峰期厂区水压不足，冷却系统无法正常运行，影响连续生产。",
        "供水公司已对厂区周边管网加压改造，水压已恢复正常。",
    ),
    Problem(
        "infrastructure",
        "扩产用地需求",
        "企业订单增长，现有厂区已饱和，希望在园区内解决约50亩扩产用地。",
        "自然资源局已在园区内选定储备地块，纳入年度供地计划，预计下季度挂牌出让。",
    ),
    Problem(
        "infrastructure",
        "天然气管道接入周期长",
        "新建锅炉房需要接入天然气管道，燃气公司报装周期长、费用高。",
        "已协调燃气公司压缩报装周期并按标准收费，管道接入工程已完工通气。",
    ),
    Problem(
        "infrastructure",
        "园区排水与项目不匹配",
        "项目投产后发现园区排水管径偏小，与生产废水排放量不匹配。",
        "园区已启动排水管网改造，同时协调临时处置方案，企业生产未受影响。",
    ),
    Problem(
        "business_environment",
        "政策落实不到位",
        "企业符合稳岗返还条件，申请三个月仍未到账，不同窗口答复不一致。",
        "经督办，稳岗返还资金已核定到账，相关窗口已统一政策解释口径。",
    ),
    Problem(
        "business_environment",
        "涉企检查过于频繁",
        "一个月内接受各类检查五次，内容多有重复，影响正常生产经营。",
        "已推行“综合查一次”，相关部门联合检查，年内不再就同类事项重复检查。",
    ),
    Problem(
        "business_environment",
        "审批慢，材料反复补正",
        "办理食品生产许可变更，窗口多次要求补正材料，每次只告知一部分。",
        "已落实一次性告知制度并对相关窗口人员批评教育，许可变更已办结。",
    ),
    Problem(
        "business_environment",
        "招标文件设置本地业绩门槛",
        "企业参加某项目投标，招标文件要求本地业绩，涉嫌排斥外地企业。",
        "已将线索移交公平竞争审查机构，招标人已修改相关条款并重新公告。",
    ),
    Problem(
        "business_environment",
        "惠企政策不知道去哪找",
        "企业不清楚可以享受哪些惠企政策，各部门网站信息分散，申报时间经常错过。",
        "已为企业推送惠企政策清单，并开通“免申即享”，符合条件的补贴自动兑现。",
    ),
    Problem(
        "business_environment",
        "承诺的配套政策未兑现",
        "招商引资时承诺的厂房租金减免政策，落地一年仍未兑现。",
        "经核实，减免政策已报区政府常务会通过，首年租金减免资金已拨付。",
    ),
    Problem(
        "livelihood",
        "返岗职工统计口径不清",
        "节后返岗职工需每日报送，统计口径和报送方式不清楚，企业重复填报多个表格。",
        "属地已明确统一的报送模板和联系人，改为线上每周报送一次。",
    ),
    Problem(
        "livelihood",
        "防疫物资采购困难",
        "企业复工需要口罩、消毒液、测温枪等防疫物资，市场上一时采购不到。",
        "已协调区内储备物资调剂口罩5000只、消毒液200升，并推荐正规供货渠道。",
    ),
    Problem(
        "livelihood",
        "一线用工短缺",
        "企业扩产后一线操作工缺口约80人，多次招聘效果不好，影响订单交付。",
        "已组织专场招聘会并对接职业院校定向输送，已到岗56人，其余持续推进。",
    ),
    Problem(
        "livelihood",
        "外地技术工人住房困难",
        "引进的外地技术工人租房困难，希望了解人才公寓或公租房政策。",
        "已为企业协调人才公寓房源20套，符合条件的职工已办理入住。",
    ),
    Problem(
        "livelihood",
        "园区没有通勤公交",
        "园区没有公交线路，职工上下班通勤不便，冬季尤其困难。",
        "交通部门已开通园区通勤专线，早晚高峰各发车四班。",
    ),
    Problem(
        "livelihood",
        "骨干员工子女入学",
        "外地引进的骨干员工子女需要在松北区入学，不清楚办理流程。",
        "教育部门已按人才子女入学政策安排就近入学，手续已办妥。",
    ),
    Problem(
        "talent",
        "高层次人才引进补贴申报",
        "企业今年引进两名博士研发人员，希望申报人才引进补贴，不清楚材料要求。",
        "已指导企业完成申报，补贴资金已列入本批次拨付计划。",
    ),
    Problem(
        "talent",
        "技能人才培训",
        "企业数控操作工技能不足，希望组织以工代训或职业技能培训。",
        "人社局已在企业设立培训点，首期培训60人，培训补贴按政策兑现。",
    ),
    Problem(
        "talent",
        "指导成立党支部",
        "企业党员人数已增加到8人，希望得到指导成立党支部。",
        "区委两新工委已派党建指导员上门指导，企业党支部已成立。",
    ),
    Problem(
        "talent",
        "民营企业职称评审渠道",
        "民营企业技术人员职称评审渠道不畅，希望纳入今年的评审范围。",
        "已将企业技术人员纳入本年度工程系列职称评审，并指导准备申报材料。",
    ),
    Problem(
        "talent",
        "校企共建实训基地",
        "企业希望与本地职业院校共建实训基地，缺少对接渠道。",
        "已促成企业与黑龙江职业学院签订校企合作协议，共建实训基地。",
    ),
    Problem(
        "talent",
        "外籍专家工作许可延期",
        "企业聘请的德国技术专家工作许可即将到期，不清楚延期手续。",
        "外国专家服务窗口已受理延期申请，工作许可已延续一年。",
    ),
)

SEND_BACK_REASONS = (
    "经初步核实，该诉求不属于本单位职责范围，请调度室重新派单。",
    "该事项需由行业主管部门依法办理，本单位无审批权限，申请退回。",
    "诉求涉及属地协调，建议改派相关街道（镇）办理。",
    "本单位已多次协调但缺少职能手段，请调度室派至主责部门。",
)
PROGRESS_REPLIES = (
    "您好，诉求已签收，我们将在三个工作日内到企业现场了解情况。",
    "已协调相关部门研究办理，请保持电话畅通，有进展第一时间告知。",
    "请补充营业执照复印件和项目批复文件，以便加快办理。",
    "已约相关部门本周现场办公，届时请企业负责人参加。",
)
ENTERPRISE_REPLIES = (
    "好的，谢谢，我们随时配合。",
    "材料已准备好，明天上午送到政务服务中心。",
    "请问大概什么时候能有结果？生产计划等着安排。",
    "已按要求补充材料，请查收。",
)
ENTERPRISE_NUDGES = (
    "请问现在办到哪一步了？",
    "补充说明：情况比较急，下周就要用。",
    "补充一下联系电话，白天可随时联系生产部。",
)
ENTERPRISE_URGENCY = (
    "情况比较急，停产一天损失几十万元，请尽快协调。",
    "下周设备就要进场，请务必在期限内解决。",
)
INTERNAL_NOTES = (
    "已电话联系企业负责人，约定本周到现场查看。",
    "已与相关部门对接，等待其出具书面方案。",
    "需分管区领导协调，拟列入本月联审会办会议题。",
    "已书面征求相关部门意见，尚未回复。",
    "该企业此前反映过类似问题，注意答复口径一致。",
)
URGING_NOTES = (
    "重点督办：该件已列入督办清单，请承办单位在期限内办结并书面报告。",
    "该件涉及企业停产风险，请承办单位负责人亲自过问。",
    "请承办单位每日报告进展，督查考核办公室跟踪销号。",
)
REASSIGN_NOTES = (
    "工作调整，改由熟悉该企业情况的同志承办。",
    "该事项需要另一部门牵头，改派。",
    "原承办人外出学习，转交办理。",
)
REOPEN_REASONS = (
    "问题没有实际解决，现场情况与答复不符。",
    "答复只说了政策依据，没有给出具体办理时间。",
    "协调的方案成本过高，企业无法执行，请再协调。",
)
WITHDRAW_REASONS = (
    "企业已自行解决，不再需要协调。",
    "项目计划调整，暂缓实施，撤回本诉求。",
    "重复提交，已在另一件诉求中反映。",
)
SUPERVISOR_CLOSE_NOTES = (
    "企业超过七日未确认，经电话回访问题已解决，予以销号。",
    "经联审会办会研究，已形成处理意见并书面答复企业，予以销号。",
)
SUPERVISOR_CLOSE_AFTER_REJECTIONS = "企业两次不认可，经督查核实承办单位已依法依规办理，予以销号。"
FOLLOW_UP_DESCRIPTION = "上一件诉求已办结，但实际执行中又出现了新的问题，需要继续协调。"
REPEATED_REPLY_PREFIX = "经再次核查并现场办公，"
PARTLY_SOLVED_SUFFIX = "其余事项已列入下月联审会办会继续推进。"
OTHER_REPLIES = {
    ResolutionType.EXPLAINED: "经研究，该事项受现行政策限制暂无法办理，已当面向企业解释政策依据，并提出替代方案建议。",
    ResolutionType.UNFOUNDED: "经现场核实，反映的情况与实际不符，已与企业负责人当面沟通确认。",
    ResolutionType.NOT_OUR_DUTY: "该事项属于企业间民事纠纷，不在行政职能范围内，已告知企业通过仲裁或诉讼途径解决。",
}
# After the enterprise rejected an answer, the second answer is real work, not another explanation.
SECOND_RESOLUTION_WEIGHTS = {ResolutionType.SOLVED: 75, ResolutionType.PARTLY_SOLVED: 25}
RESOLUTION_WEIGHTS = {
    ResolutionType.SOLVED: 65,
    ResolutionType.PARTLY_SOLVED: 15,
    ResolutionType.EXPLAINED: 12,
    ResolutionType.UNFOUNDED: 4,
    ResolutionType.NOT_OUR_DUTY: 4,
}
SATISFACTION_COMMENTS = {
    5: ("办理及时，答复清楚，感谢包联干部！", "件件有回音，给政府点赞。"),
    4: ("答复及时，办理效率还可以再提高。", "整体满意，谢谢。"),
    3: ("有答复，但过程比较长。", "答复及时，实际效果一般。"),
    2: ("拖了很久才处理，不太满意。", "只解决了一部分。"),
    1: ("问题实际没有解决。",),
}
# Enterprises rate a solved problem higher than an explanation why it cannot be solved.
SOLVED_RATINGS = {5: 50, 4: 30, 3: 12, 2: 5, 1: 3}
UNSOLVED_RATINGS = {5: 10, 4: 25, 3: 35, 2: 20, 1: 10}
AFTER_REOPEN_RATINGS = {5: 15, 4: 35, 3: 30, 2: 15, 1: 5}
# 不满意 and 非常不满意: each opens a rectification (整改) of the unit that answered.
BAD_RATINGS = {2: 65, 1: 35}
SOLVED_TYPES = (ResolutionType.SOLVED, ResolutionType.PARTLY_SOLVED)

# Stories a case goes through, and how many cases follow each; about two hundred in all.
CASE_PLAN = (
    ("awaiting_dispatch", 12),
    ("returned", 10),
    ("awaiting_signature", 18),
    ("in_progress", 22),
    ("urged", 12),
    ("reassigned", 8),
    ("reopened", 8),
    ("resolved", 22),
    ("confirmed", 52),
    ("confirmed_after_reopen", 8),
    ("closed_by_supervisor", 10),
    ("withdrawn", 14),
    ("rated_badly_recently", 2),
    ("rated_badly_weeks_ago", 3),
)
# How many days ago each kind of story begins: open work is recent, some of it already
# past its deadline; closed cases lie weeks back; answers wait less than their
# 5-day confirmation window, so that the sweep does not close them at once.
STORY_AGE_DAYS = {
    "awaiting_dispatch": (0.1, 1.5),
    "returned": (0.5, 3),
    "awaiting_signature": (0.2, 2),
    "in_progress": (2, 16),
    "urged": (1, 6),
    "reassigned": (1, 10),
    "reopened": (1, 5),
    "resolved": (0.5, 3),
    "confirmed": (10, 80),
    "confirmed_after_reopen": (15, 60),
    "closed_by_supervisor": (10, 60),
    "withdrawn": (5, 60),
    # The demo cadre's dissatisfied enterprise: rectifications for the supervision demo, two of them
    # recent enough to be reported or appealed, the others overdue or in an earlier month.
    "rated_badly_recently": (2, 5),
    "rated_badly_weeks_ago": (35, 60),
}
STEP_HOURS = (0.5, 20)
# Cases that raise a confirmed case's matter again, filed after all the others.
FOLLOW_UPS = 4


def credit_codes(rng: random.Random):
    """Endless distinct valid codes: 9 (enterprise), 1 (company), the division, nine characters, the check."""
    issued = set()
    while True:
        first_seventeen = f"91{DIVISION_CODE}" + "".join(rng.choice(ALPHABET) for _ in range(9))
        if first_seventeen not in issued:
            issued.add(first_seventeen)
            yield first_seventeen + check_character(first_seventeen)


def on_a_weekday(moment: datetime) -> datetime:
    """Move a deadline off the weekend; holidays are left to the working-day calendar of the services."""
    while moment.weekday() >= 5:
        moment += timedelta(days=1)
    return moment


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
        self.latest = timezone.now() - timedelta(minutes=1)
        self.moment = self.latest
        self.units: dict[str, Unit] = {}
        self.units_by_pk: dict[int, Unit] = {}
        self.users = {}
        self.users_by_pk = {}
        self.cadres = defaultdict(list)  # unit pk -> its cadres
        self.heads = {}  # unit pk -> its head
        self.enterprises: list[Enterprise] = []
        self.contacts = defaultdict(list)  # enterprise pk -> its contacts
        self.serving_cadre = {}  # enterprise pk -> its 包联 cadre, absent while it has none
        self.categories = {category.code: category for category in Category.objects.all()}
        self.categories_by_pk = {category.pk: category for category in self.categories.values()}
        self.confirmed_cases: list[Case] = []
        self.taken_names = {account.name for account in DEMO_ACCOUNTS}

    def build(self) -> None:
        self.build_units()
        self.build_enterprises()
        self.build_people()
        self.build_service()
        self.build_key_projects()
        self.build_cases()
        self.give_addresses()

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

    def build_enterprises(self) -> None:
        codes = credit_codes(self.rng)
        self.enterprises = Enterprise.objects.bulk_create(
            Enterprise(
                name=seed.name,
                credit_code=next(codes),
                industry=seed.industry,
                address=seed.address,
                township=self.units[seed.township],
            )
            for seed in ENTERPRISES
        )

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
        for number, seed in enumerate(ENTERPRISES, 1):
            if seed.name not in with_contact:
                people.append((f"contact{number:02d}", self.new_name()))
                contacts.append((f"contact{number:02d}", seed.name))

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
        """Three-level service for every enterprise: a leader, a bureau and its cadre, the local contact."""
        leaders = [self.users["leader"], self.users["leader"], self.users["leader2"], self.users["leader3"]]
        admin = self.users[ADMIN]
        for seed, enterprise in zip(ENTERPRISES, self.enterprises, strict=True):
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
                    note="建立三级包保关系",
                )
                note = "干部轮岗，调整包联干部"
            else:
                note = "建立三级包保关系"
            if seed.name in ENTERPRISES_WITHOUT_CADRE:
                cadre, note = None, "包联干部轮岗调整中，诉求暂由调度室派单"
            service_assignment_change(
                enterprise=enterprise,
                unit=bureau,
                cadre=cadre,
                leader=leader,
                local_contact=local_contact,
                changed_by=admin,
                note=note,
            )
            if cadre is not None:
                self.serving_cadre[enterprise.pk] = cadre

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

    def build_cases(self) -> None:
        stories = {
            "awaiting_dispatch": self.story_awaiting_dispatch,
            "returned": self.story_returned,
            "awaiting_signature": self.story_awaiting_signature,
            "in_progress": self.story_in_progress,
            "urged": self.story_urged,
            "reassigned": self.story_reassigned,
            "reopened": self.story_reopened,
            "resolved": self.story_resolved,
            "confirmed": self.story_confirmed,
            "confirmed_after_reopen": self.story_confirmed_after_reopen,
            "closed_by_supervisor": self.story_closed_by_supervisor,
            "withdrawn": self.story_withdrawn,
            "rated_badly_recently": self.story_rated_badly,
            "rated_badly_weeks_ago": self.story_rated_badly,
        }
        plan = sorted(
            (self.latest - timedelta(days=self.rng.uniform(*STORY_AGE_DAYS[name])), name)
            for name, count in CASE_PLAN
            for _ in range(count)
        )
        for start, name in plan:
            self.moment = start
            stories[name]()
        for _ in range(FOLLOW_UPS):
            self.moment = self.latest - timedelta(days=self.rng.uniform(0, 3))
            self.story_follow_up()

    def act(self, service, **arguments):
        """Each step of a story happens some hours after the one before, and never after now."""
        self.moment = min(self.moment + timedelta(hours=self.rng.uniform(*STEP_HOURS)), self.latest)
        with clock.frozen_at(self.moment):
            return service(**arguments)

    # Choices

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def pick_enterprise(self, *, served: bool | None = None) -> Enterprise:
        """Any enterprise, the demo contacts' ones more often; ``served`` narrows to those with(out) a cadre."""
        pool = [
            enterprise
            for enterprise in self.enterprises
            for _ in range(DEMO_ENTERPRISE_WEIGHT if enterprise.name in DEMO_SERVICE else 1)
            if served is None or served == (enterprise.pk in self.serving_cadre)
        ]
        return self.rng.choice(pool)

    def weighted(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def contact(self, enterprise_id: int):
        """The person who speaks for the enterprise in the demo: its first contact."""
        return self.contacts[enterprise_id][0]

    def demo_enterprise(self, username: str) -> Enterprise:
        """The enterprise a demo contact speaks for."""
        return next(
            enterprise for enterprise in self.enterprises if self.contact(enterprise.pk) == self.users[username]
        )

    def assignee(self, case: Case):
        return self.users_by_pk[case.assignee_id]

    def unit_for(self, case: Case, *, exclude: int | None = None) -> Unit:
        """Where the dispatcher sends a case of this category, other than the unit that had it."""
        township = self.units_by_pk[case.enterprise.township_id]
        names = CATEGORY_UNITS[self.categories_by_pk[case.category_id].code]
        candidates = [township if name == OWN_TOWNSHIP else self.units[name] for name in names]
        return self.rng.choice([unit for unit in candidates if unit.pk != exclude])

    def tight_deadlines(self) -> dict:
        """Sign for it by the next weekday, solve it within days: what the dispatcher sets for an urgent case."""
        base = timezone.localtime(self.moment).replace(hour=17, minute=30, second=0, microsecond=0)
        response = on_a_weekday(base + timedelta(days=2))
        resolution = on_a_weekday(response + timedelta(days=self.rng.randint(2, 4)))
        return {"response_due_at": response, "resolution_due_at": resolution}

    # Steps, each returning the current case

    def file(self, enterprise: Enterprise, problem: Problem, *, follows_up: Case | None = None) -> Case:
        """Mostly the enterprise files; sometimes its cadre files on its behalf (代企填报)."""
        cadre = self.serving_cadre.get(enterprise.pk)
        filer = cadre if cadre is not None and self.chance(0.15) else self.contact(enterprise.pk)
        odds = 0.35 if problem.category in OFTEN_COMPLEX else 0.1
        complexity = Complexity.COMPLEX if self.chance(odds) else Complexity.ORDINARY
        return self.act(
            case_file,
            acting_user=filer,
            enterprise=enterprise,
            category=self.categories[problem.category],
            title=problem.title,
            description=problem.description,
            complexity=complexity,
            follows_up=follows_up,
        )

    def file_new(self, *, served: bool | None = None) -> tuple[Case, Problem]:
        problem = self.rng.choice(PROBLEMS)
        return self.file(self.pick_enterprise(served=served), problem), problem

    def dispatch(self, case: Case, *, urgent: bool = False, exclude: int | None = None) -> Case:
        """Route to a cadre of a unit fit for the category; deadlines follow the policy unless urgent."""
        unit = self.unit_for(case, exclude=exclude)
        return self.act(
            case_assign,
            case=case,
            acting_user=self.users["dispatcher"],
            assignee=self.rng.choice(self.cadres[unit.pk]),
            unit=unit,
            **(self.tight_deadlines() if urgent else {}),
        )

    def routed(self, case: Case) -> Case:
        """A case that did not route itself to a cadre on filing is routed by the dispatcher."""
        return self.dispatch(case) if case.state == CaseState.OPENED else case

    def send_back(self, case: Case) -> Case:
        return self.act(
            case_send_back, case=case, acting_user=self.assignee(case), reason=self.rng.choice(SEND_BACK_REASONS)
        )

    def accept(self, case: Case) -> Case:
        return self.act(case_accept, case=case, acting_user=self.assignee(case))

    def say(self, case: Case, author, texts: tuple, visibility: str = Visibility.PUBLIC) -> None:
        self.act(comment_add, case=case, acting_user=author, body=self.rng.choice(texts), visibility=visibility)

    def work_on(self, case: Case) -> Case:
        """Sign for the case (mostly), tell the enterprise what happens, sometimes note it internally."""
        if self.chance(0.8):
            case = self.accept(case)
        if self.chance(0.6):
            self.say(case, self.assignee(case), PROGRESS_REPLIES)
        if self.chance(0.3):
            self.say(case, self.contact(case.enterprise_id), ENTERPRISE_REPLIES)
        if self.chance(0.3):
            self.say(case, self.assignee(case), INTERNAL_NOTES, Visibility.INTERNAL)
        return case

    def resolve(self, case: Case, problem: Problem, *, again: bool = False) -> Case:
        """The assignee answers, or now and then the unit head does it for them."""
        resolution_type = self.weighted(SECOND_RESOLUTION_WEIGHTS if again else RESOLUTION_WEIGHTS)
        reply = OTHER_REPLIES.get(resolution_type, problem.reply)
        if resolution_type == ResolutionType.PARTLY_SOLVED:
            reply += PARTLY_SOLVED_SUFFIX
        if again:
            reply = REPEATED_REPLY_PREFIX + reply
        head = self.heads.get(case.responsible_unit_id)
        resolver = head if head is not None and self.chance(0.15) else self.assignee(case)
        return self.act(case_resolve, case=case, acting_user=resolver, resolution_type=resolution_type, reply=reply)

    def resolved(self, *, served: bool | None = None) -> tuple[Case, Problem]:
        case, problem = self.file_new(served=served)
        return self.resolve(self.work_on(self.routed(case)), problem), problem

    def reopen(self, case: Case) -> Case:
        return self.act(
            case_reopen, case=case, acting_user=self.contact(case.enterprise_id), reason=self.rng.choice(REOPEN_REASONS)
        )

    def confirm(self, case: Case, *, after_reopen: bool = False) -> Case:
        if after_reopen:
            ratings = AFTER_REOPEN_RATINGS
        else:
            ratings = SOLVED_RATINGS if case.resolution_type in SOLVED_TYPES else UNSOLVED_RATINGS
        rating = self.weighted(ratings)
        comment = self.rng.choice(SATISFACTION_COMMENTS[rating]) if self.chance(0.7) else ""
        case = self.act(
            case_close, case=case, acting_user=self.contact(case.enterprise_id), satisfaction=rating, comment=comment
        )
        self.confirmed_cases.append(case)
        return case

    # Stories: each files one case and leaves it in the state its name says

    def story_awaiting_dispatch(self) -> None:
        case, _problem = self.file_new(served=False)
        if self.chance(0.4):
            self.say(case, self.contact(case.enterprise_id), ENTERPRISE_NUDGES)

    def story_returned(self) -> None:
        case, _problem = self.file_new(served=True)
        if self.chance(0.5):
            self.say(case, self.assignee(case), INTERNAL_NOTES, Visibility.INTERNAL)
        self.send_back(case)

    def story_awaiting_signature(self) -> None:
        case, _problem = self.file_new()
        self.routed(case)

    def story_in_progress(self) -> None:
        case, _problem = self.file_new()
        case = self.accept(self.routed(case))
        self.say(case, self.assignee(case), PROGRESS_REPLIES)
        if self.chance(0.5):
            self.say(case, self.contact(case.enterprise_id), ENTERPRISE_REPLIES)
        if self.chance(0.4):
            self.say(case, self.assignee(case), INTERNAL_NOTES, Visibility.INTERNAL)

    def story_urged(self) -> None:
        """Routed by the dispatcher with a tight deadline and watched by the supervision office (督办)."""
        case, _problem = self.file_new()
        previous_unit = None
        if case.state == CaseState.ASSIGNED:
            previous_unit = case.responsible_unit_id
            case = self.send_back(case)
        case = self.dispatch(case, urgent=True, exclude=previous_unit)
        if self.chance(0.5):
            case = self.accept(case)
        self.say(case, self.users["supervisor"], URGING_NOTES, Visibility.INTERNAL)
        if self.chance(0.5):
            self.say(case, self.contact(case.enterprise_id), ENTERPRISE_URGENCY)

    def story_reassigned(self) -> None:
        """The unit head hands it to a colleague, or the dispatcher moves it to another unit."""
        case, _problem = self.file_new()
        case = self.routed(case)
        head = self.heads.get(case.responsible_unit_id)
        colleagues = [cadre for cadre in self.cadres[case.responsible_unit_id] if cadre.pk != case.assignee_id]
        note = self.rng.choice(REASSIGN_NOTES)
        if head is not None and colleagues and self.chance(0.6):
            case = self.act(case_reassign, case=case, acting_user=head, assignee=self.rng.choice(colleagues), note=note)
        else:
            unit = self.unit_for(case, exclude=case.responsible_unit_id)
            case = self.act(
                case_reassign,
                case=case,
                acting_user=self.users["dispatcher"],
                assignee=self.rng.choice(self.cadres[unit.pk]),
                unit=unit,
                note=note,
            )
        if self.chance(0.5):
            self.accept(case)

    def story_reopened(self) -> None:
        case, _problem = self.resolved()
        case = self.reopen(case)
        if self.chance(0.5):
            self.say(case, self.assignee(case), INTERNAL_NOTES, Visibility.INTERNAL)

    def story_resolved(self) -> None:
        self.resolved()

    def story_confirmed(self) -> None:
        case, _problem = self.resolved()
        self.confirm(case)

    def story_confirmed_after_reopen(self) -> None:
        case, problem = self.resolved()
        case = self.reopen(case)
        self.say(case, self.assignee(case), PROGRESS_REPLIES)
        case = self.resolve(case, problem, again=True)
        self.confirm(case, after_reopen=True)

    def story_rated_badly(self) -> None:
        """The demo enterprise finds the demo cadre's answer wanting and rates it 不满意 or 非常不满意.

        Its cases route to ``cadre`` of the Industry Bureau, so the bureau of ``unithead`` gets the rectification.
        """
        enterprise = self.demo_enterprise("enterprise")
        problem = self.rng.choice(PROBLEMS)
        case = self.resolve(self.work_on(self.routed(self.file(enterprise, problem))), problem)
        rating = self.weighted(BAD_RATINGS)
        case = self.act(
            case_close,
            case=case,
            acting_user=self.contact(enterprise.pk),
            satisfaction=rating,
            comment=self.rng.choice(SATISFACTION_COMMENTS[rating]),
        )
        self.confirmed_cases.append(case)

    def story_closed_by_supervisor(self) -> None:
        """Either the enterprise never confirmed, or it rejected the answer twice and may not reopen again."""
        case, problem = self.resolved()
        note = self.rng.choice(SUPERVISOR_CLOSE_NOTES)
        if self.chance(0.3):
            for _ in range(2):
                case = self.resolve(self.reopen(case), problem, again=True)
            note = SUPERVISOR_CLOSE_AFTER_REJECTIONS
        self.act(case_close, case=case, acting_user=self.users["supervisor"], comment=note)

    def story_withdrawn(self) -> None:
        case, _problem = self.file_new()
        if case.state == CaseState.ASSIGNED and self.chance(0.5):
            case = self.accept(case)
        self.act(
            case_withdraw,
            case=case,
            acting_user=self.contact(case.enterprise_id),
            reason=self.rng.choice(WITHDRAW_REASONS),
        )

    def story_follow_up(self) -> None:
        """The enterprise raises a closed matter again as a new case linked to the old one."""
        original = self.rng.choice(self.confirmed_cases)
        problem = Problem(
            category=self.categories_by_pk[original.category_id].code,
            title=f"{original.title}（后续）",
            description=FOLLOW_UP_DESCRIPTION,
            reply="",
        )
        self.routed(self.file(original.enterprise, problem, follows_up=original))


class Command(BaseCommand):
    help = f"Create a demo district with units, people, enterprises and cases (password {DEMO_PASSWORD})."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--quiet", action="store_true", help="Print nothing.")

    def handle(self, *args, quiet: bool = False, **options) -> None:
        if demo_data_exists():
            if not quiet:
                self.stdout.write("The demo data is already there; nothing changed.")
                self.write_summary()
            return
        usernames = [account.username for account in DEMO_ACCOUNTS]
        if User.objects.filter(username__in=usernames).exists() or Unit.objects.filter(name__in=unit_names()).exists():
            raise CommandError(
                "Some demo accounts or units already exist, but not the demo district. Seed an empty database."
            )
        with transaction.atomic():
            DemoDistrict(random.Random(SEED)).build()
        if not quiet:
            self.stdout.write(self.style.SUCCESS("Demo data created."))
            self.write_summary()

    def write_summary(self) -> None:
        now = timezone.now()
        counts = Case.objects.aggregate(
            total=Count("pk"),
            returned=Count("pk", filter=Q(state=CaseState.OPENED, sent_back_at__isnull=False)),
            overdue=Count("pk", filter=resolution_overdue_q(now)),
            signed_for=Count("pk", filter=Q(state=CaseState.ASSIGNED, accepted_at__isnull=False)),
            **{closure: Count("pk", filter=Q(closure=closure)) for closure in Closure.values},
        )
        by_state = dict(Case.objects.values("state").annotate(count=Count("pk")).values_list("state", "count"))
        details = {
            CaseState.OPENED: f"{counts['returned']} sent back",
            CaseState.ASSIGNED: f"{counts['signed_for']} signed for, {counts['overdue']} overdue",
            CaseState.CLOSED: ", ".join(f"{counts[closure]} {closure}" for closure in Closure.values),
        }
        write = self.stdout.write
        write(
            f"{Unit.objects.count()} units, {Enterprise.objects.count()} enterprises, "
            f"{User.objects.count()} users, {counts['total']} cases:"
        )
        for state in CaseState.values:
            detail = f"  ({details[state]})" if state in details else ""
            write(f"  {state:<10}{by_state.get(state, 0):>4}{detail}")
        write(f"Demo accounts, password {DEMO_PASSWORD}:")
        for account in DEMO_ACCOUNTS:
            if account.role == ADMIN:
                role = "superuser"
            elif account.role == CONTACT:
                role = "enterprise contact"
            else:
                role = Role(account.role).name.lower()
            write(f"  {account.username:<12}{role:<20}{account.name}  {account.place}".rstrip())
