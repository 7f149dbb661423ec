"""The demo catalogue loaded by `manage.py load_reference` while no policy exists: the "15条政策" (support
policies) and the "20项服务举措" (service measures) of Kunshan's spring-2020 programme, paraphrased for
demonstration. They are not the official texts: each is marked 演示数据, and the administrator's landing
page asks for them to be replaced before going live."""

from dataclasses import dataclass, field

DEMO_ISSUER = "昆山市人民政府(演示)"
DEMO_POLICIES_DOCUMENT = "昆政发〔2020〕5号(演示, 非官方文本)"
DEMO_MEASURES_DOCUMENT = "昆政办发〔2020〕9号(演示, 非官方文本)"
# The demo runs on today's clock (filings and applications are made today), so the scheduled payout date of
# the demo policies is counted from the day they are loaded; paying before it shows 提前兑付.
DEMO_SCHEDULED_PAYOUT_AFTER_DAYS = 60
SCHEDULED = "scheduled"
DEMO_NOTE = "【演示数据, 非官方文本】"


@dataclass(frozen=True)
class DemoPolicy:
    title: str
    benefit_type: str
    summary: str
    eligibility: str
    materials: tuple[str, ...] = ()
    amount_rule: str = "none"
    amount_value: str = "0"
    amount_cap: str | None = None
    figure_label: str = ""
    industries: tuple[str, ...] = ()
    min_headcount: int | None = None
    max_headcount: int | None = None
    above_scale_only: bool = False
    authorities: tuple[str, ...] = ()
    reviewed_by_district: bool = False
    document: str = DEMO_POLICIES_DOCUMENT
    scheduled_payout_on: str | None = SCHEDULED
    extra: dict = field(default_factory=dict)


_LICENCE = "营业执照复印件(加盖公章)"
_BANK = "银行开户许可证或基本存款账户信息"

# 15条政策: support policies that pay money or waive charges.
FIFTEEN_POLICIES = [
    DemoPolicy(
        "防疫物资生产企业扩产补贴",
        "subsidy",
        "对疫情期间扩大口罩、防护服、消毒液等防疫物资产能的企业, 按新增设备投入给予补贴。",
        "生产防疫物资并在疫情期间新增产能的企业。",
        (_LICENCE, "新增设备购置发票", "产能扩大情况说明"),
        "percentage",
        "30",
        "2000000.00",
        "新增设备投入(元)",
        industries=("C",),
        authorities=("gxj",),
    ),
    DemoPolicy(
        "规上工业企业稳产满产奖励",
        "subsidy",
        "对2020年2月复工复产、一季度产值不低于上年同期八成的规上工业企业给予一次性奖励。",
        "规上工业企业, 已复工复产。",
        (_LICENCE, "一季度产值统计报表"),
        "fixed",
        "100000.00",
        industries=("B", "C", "D"),
        above_scale_only=True,
        authorities=("gxj",),
    ),
    DemoPolicy(
        "稳岗返还",
        "social_insurance",
        "不裁员或少裁员的参保企业, 返还上年度实际缴纳失业保险费的50%。",
        "在昆参保、上年度未裁员或裁员率低于全国城镇调查失业率控制目标的企业。",
        (_LICENCE, "上年度失业保险缴费证明"),
        "percentage",
        "50",
        "500000.00",
        "上年度实际缴纳失业保险费(元)",
        reviewed_by_district=True,
    ),
    DemoPolicy(
        "阶段性减免企业社会保险费",
        "social_insurance",
        "2020年2月至4月免征中小微企业基本养老、失业、工伤保险单位缴费部分。",
        "职工人数300人以下的中小微企业。",
        (_LICENCE,),
        "percentage",
        "100",
        None,
        "2020年2月至4月应缴单位社保费(元)",
        max_headcount=300,
        reviewed_by_district=True,
    ),
    DemoPolicy(
        "新招用员工一次性就业补贴",
        "subsidy",
        "疫情期间新招用员工并缴纳社保的企业, 每人补贴1000元。",
        "2020年2月至3月新招用员工并为其缴纳社会保险的企业。",
        (_LICENCE, "新招用员工名单及参保证明"),
        "per_employee",
        "1000.00",
        "200000.00",
        reviewed_by_district=True,
    ),
    DemoPolicy(
        "员工返岗包车补贴",
        "subsidy",
        "组织点对点包车接回外地员工的企业, 按包车费用的50%给予补贴。",
        "通过“点对点一站式直达”接回员工的企业。",
        (_LICENCE, "包车合同及发票", "返岗员工名单"),
        "percentage",
        "50",
        "100000.00",
        "包车费用(元)",
        industries=("C", "G"),
        authorities=("jtysj", "gxj"),
        reviewed_by_district=True,
    ),
    DemoPolicy(
        "中小企业电费减免",
        "electricity",
        "2020年2月至4月, 对中小企业用电按实际电费的5%给予减免。",
        "职工人数500人以下的工业和商贸企业。",
        ("2020年2月至4月电费单",),
        "percentage",
        "5",
        "50000.00",
        "2020年2月至4月电费(元)",
        max_headcount=500,
        industries=("C", "F", "H"),
        authorities=("gxj", "swj"),
    ),
    DemoPolicy(
        "国有资产类经营用房租金减免",
        "rent",
        "承租国有资产类经营用房的中小企业, 免收2月、3月房租, 减半收取4月至6月房租。",
        "承租国有资产类经营用房的中小微企业和个体工商户。",
        ("房屋租赁合同", "租金缴纳凭证"),
        "percentage",
        "100",
        "300000.00",
        "2月、3月应缴房租(元)",
        reviewed_by_district=True,
    ),
    DemoPolicy(
        "民营园区业主减免租金补助",
        "rent",
        "为中小企业减免租金的民营园区和商业综合体业主, 按减免金额的30%给予补助。",
        "为承租中小企业减免租金的园区、楼宇业主。",
        ("减免租金承诺书", "减免明细表"),
        "percentage",
        "30",
        "1000000.00",
        "减免租金总额(元)",
        industries=("K", "L"),
        authorities=("zjj", "swj"),
    ),
    DemoPolicy(
        "防疫期间贷款贴息",
        "loan_interest",
        "对疫情期间新增的流动资金贷款, 按实际支付利息的50%给予贴息。",
        "2020年2月1日后新增流动资金贷款、按期付息的企业。",
        ("贷款合同", "利息支付凭证"),
        "percentage",
        "50",
        "500000.00",
        "已支付利息(元)",
        authorities=("jrjgj",),
    ),
    DemoPolicy(
        "应急转贷资金费用减免",
        "loan_interest",
        "使用市应急转贷资金的企业, 免收疫情期间的转贷费用。",
        "疫情期间有转贷需求、使用应急转贷资金的中小企业。",
        ("转贷申请表",),
        "percentage",
        "100",
        "100000.00",
        "应付转贷费用(元)",
        authorities=("jrjgj",),
    ),
    DemoPolicy(
        "延期缴纳税款",
        "tax",
        "因疫情有特殊困难不能按期缴纳税款的企业, 可申请延期缴纳, 最长不超过3个月。",
        "受疫情影响生产经营困难的企业。",
        ("延期缴纳税款申请表", "困难情况说明"),
        reviewed_by_district=True,
        scheduled_payout_on=None,
    ),
    DemoPolicy(
        "房产税、城镇土地使用税困难减免",
        "tax",
        "受疫情影响较大的企业, 可申请减免2020年一季度房产税和城镇土地使用税。",
        "受疫情影响停产停业、生产经营困难的企业。",
        ("减免税申请表", "受影响情况说明"),
        "percentage",
        "100",
        None,
        "一季度应缴房产税、城镇土地使用税(元)",
        reviewed_by_district=True,
    ),
    DemoPolicy(
        "文旅企业纾困补贴",
        "subsidy",
        "对疫情期间停业的旅行社、景区、影院等文旅企业, 给予每户2万元纾困补贴。",
        "在昆注册的旅行社、A级景区、电影院及演出场所。",
        (_LICENCE, "停业情况说明"),
        "fixed",
        "20000.00",
        industries=("R", "7291"),
        authorities=("wtglj",),
    ),
    DemoPolicy(
        "餐饮企业复市补贴",
        "subsidy",
        "复市后落实分餐、测温等防控措施的餐饮企业, 按职工人数每人300元给予补贴。",
        "已复市并落实防控措施的餐饮企业。",
        (_LICENCE, "防控措施落实情况照片"),
        "per_employee",
        "300.00",
        "30000.00",
        industries=("62",),
        authorities=("swj",),
        reviewed_by_district=True,
    ),
]

# 20项服务举措: services rather than money; applications ask for the service.
_MEASURES = [
    ("企业复工复产“一站式”备案指导", "属地专班上门或线上指导企业准备备案材料。", ()),
    ("防疫物资统筹调配", "为复工企业协调口罩、测温枪、消毒液等防疫物资。", ()),
    ("返岗员工点对点包车服务", "与交通部门对接, 组织从低风险地区点对点接回员工。", ("jtysj",)),
    ("重点企业挂钩服务", "为重点企业和产业链龙头企业配备挂钩负责人。", ("gxj",)),
    ("用工对接服务", "通过人力资源机构和线上招聘会帮助企业招工。", ()),
    ("原材料供应链协调", "为停供断供的企业协调上下游配套企业。", ("gxj",)),
    ("物流运输通行保障", "为企业运输车辆办理通行证, 保障物流畅通。", ("jtysj",)),
    ("融资需求对接", "梳理企业融资需求, 向银行机构推送。", ("jrjgj",)),
    ("外贸企业不可抗力事实证明", "协助外贸企业申请不可抗力事实性证明。", ("swj",)),
    ("企业用电用气用水保障", "保障复工企业水电气供应, 疫情期间不停供。", ()),
    ("政务服务不见面审批", "涉企审批事项网上办、掌上办、预约办。", ()),
    ("法律服务援助", "为因疫情产生合同纠纷的企业提供法律咨询。", ()),
    ("员工健康监测服务", "协助企业开展员工体温监测和健康登记。", ("wjw",)),
    ("核酸检测绿色通道", "为复工企业员工提供核酸检测预约绿色通道。", ("wjw",)),
    ("隔离观察场所协调", "为有需要的企业协调集中隔离观察场所。", ()),
    ("企业复工复产政策解读", "属地和行业主管部门统一解读复工复产政策。", ()),
    ("科技型企业研发攻关支持", "支持企业开展防疫相关科研攻关。", ("kjj",)),
    ("外资企业服务专员", "为外资企业配备服务专员, 协调解决复工问题。", ("swj",)),
    ("建筑工地复工指导", "指导建筑工地落实防控措施、有序复工。", ("zjj",)),
    ("企业诉求快速响应", "企业诉求统一受理, 限时办结, 件件有答复。", ()),
]

TWENTY_MEASURES = [
    DemoPolicy(
        title,
        "other",
        summary,
        "在昆企业均可申请。",
        ("服务需求说明",),
        authorities=authorities,
        reviewed_by_district=not authorities,
        document=DEMO_MEASURES_DOCUMENT,
        scheduled_payout_on=None,
    )
    for title, summary, authorities in _MEASURES
]

DEMO_ANSWERS = [
    (
        "filings",
        "不在负面清单内的企业, 提交备案材料后是否要等审核通过才能复工?",
        "不需要。不在负面清单内的企业, 向属地提交复工复产备案材料后即可自主复工复产(备案即复工), 属地随后审核。",
        "昆防指〔2020〕20号 第四条(演示)",
    ),
    (
        "filings",
        "负面清单以什么为准?",
        "以指挥部统一发布的现行负面清单为准, 按国民经济行业分类(GB/T 4754-2017)判断, 任何单位不得自行增加限制。",
        "昆防指〔2020〕19号(演示)",
    ),
    (
        "passes",
        "外地返昆员工什么情况下可以上岗?",
        "低风险地区返昆且体温正常的员工可以上岗; 中风险地区返昆的员工, 核酸检测阴性后可以上岗; "
        "高风险地区返昆的员工暂缓上岗。",
        "昆防指〔2020〕20号 第七条(演示)",
    ),
    (
        "passes",
        "返岗员工通行证由谁核发?",
        "由企业所在区镇核发, 员工凭通行证通过居住地社区(村)卡口, 各卡口不得层层加码。",
        "昆防指〔2020〕20号 第九条(演示)",
    ),
    (
        "requests",
        "企业反映的问题多久能得到答复?",
        "企业诉求按类别和紧急程度限时办理, 超期自动提级, 做到件件有答复。",
        "昆防指〔2020〕20号 第十二条(演示)",
    ),
    (
        "policies",
        "惠企政策资金什么时候到账?",
        "审核通过后按政策规定的计划兑付日期兑付, 具备条件的提前兑付; 兑付后平台会通知企业。",
        "昆防指〔2020〕20号 第十一条(演示)",
    ),
]
