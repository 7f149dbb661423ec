"""A synthetic enterprise registry shaped like Kunshan's, reproducible from one seed.

The shape matters more than the values: which district a staff member sees, how many pages
that is, and how selective a name search is all follow from the weights below.
"""

import random
from itertools import accumulate

from django.db import transaction
from stdnum.cn import uscc

from accounts.models import Role, User
from enterprises.models import Enterprise
from reference.models import District, Industry

SEED = 2020
BATCH_SIZE = 2000

# Percent of the city's enterprises per district: the development zones hold most of them.
DISTRICT_WEIGHTS = {
    "kfq": 22,
    "gxq": 16,
    "huaqiao": 11,
    "lvyou": 3,
    "zhangpu": 9,
    "zhoushi": 9,
    "lujia": 6,
    "bacheng": 6,
    "qiandeng": 7,
    "dianshanhu": 4,
    "zhouzhuang": 3,
    "jinxi": 4,
}

# Percent per GB/T 4754 section: Kunshan is a manufacturing city (C), then trade and services.
SECTION_WEIGHTS = {"C": 55, "F": 16, "L": 6, "M": 5, "G": 4, "H": 4, "E": 3, "I": 3, "K": 2, "O": 2}
# Within manufacturing, the pillar divisions: electronics far ahead, then machinery and equipment.
DIVISION_BOOST = {"39": 8, "34": 4, "35": 3, "33": 3, "38": 3, "29": 3, "36": 2, "40": 2}

# The industry word of a name, by division, else by section. "精密" is the benchmark's search term,
# so it appears in a few manufacturing divisions only, as it does in real names.
INDUSTRY_WORDS = {
    "39": ("电子科技", "精密电子", "光电科技", "通讯设备"),
    "34": ("精密机械", "机械设备", "自动化设备"),
    "35": ("智能装备", "专用设备"),
    "33": ("精密五金", "金属制品"),
    "38": ("电气", "电器"),
    "29": ("塑胶", "橡塑制品"),
    "36": ("汽车零部件", "汽车配件"),
    "40": ("精密仪器", "仪器仪表"),
    "17": ("纺织",),
    "18": ("服饰",),
    "C": ("实业", "新材料", "制品"),
    "F": ("贸易", "商贸", "供应链管理"),
    "G": ("物流", "运输"),
    "H": ("餐饮管理", "酒店管理"),
    "I": ("信息技术", "软件"),
    "K": ("置业", "物业管理"),
    "L": ("企业管理咨询", "人力资源", "商务服务"),
    "M": ("科技", "检测技术", "工程技术"),
    "E": ("建设工程", "建筑安装"),
    "O": ("家政服务", "汽车维修"),
}
TRADE_CHARS = (
    "恒华鼎宏金瑞润新永正中友台沪德亚富嘉盛通达隆泰昌荣佳美捷利源丰安康信诚和兴博凯欣伟"
    "科锐创航联邦汇天宇晟腾威力森立普英杰海东南星光远鑫益顺福祥万裕聚豪骏铭"
)
ROADS = ("前进路", "长江路", "黄浦江路", "萧林路", "青阳路", "花安路", "人民路", "朝阳路", "祖冲之路", "嘉浦路")
SURNAMES = "王李张刘陈杨黄赵周吴徐孙朱马胡郭林何高顾沈陆钱蒋"
GIVEN_CHARS = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国文"

# USCC alphabet (GB 32100-2015 leaves out I, O, Z, S and V).
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_code(serial: int) -> str:
    """A valid code unique per serial: Kunshan's region 320583, then "B" (bench) and the serial in base 31."""
    digits = ""
    for _ in range(8):
        serial, digit = divmod(serial, 31)
        digits = _ALPHABET[digit] + digits
    body = f"91320583B{digits}"
    return body + uscc.calc_check_digit(body)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN_CHARS, k=rng.choice((1, 2))))


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


@transaction.atomic
def generate_enterprises(n: int, *, seed: int = SEED) -> int:
    """Insert n active enterprises; the same n and seed always give the same rows."""
    rng = random.Random(seed)
    districts = list(District.objects.filter(code__in=DISTRICT_WEIGHTS).order_by("code"))
    district_cum = list(accumulate(DISTRICT_WEIGHTS[d.code] for d in districts))
    classes = list(Industry.objects.filter(level=Industry.Level.CLASS).order_by("code"))
    # The boost moves weight between divisions inside a section; the section's share stays as set.
    boost = [DIVISION_BOOST.get(i.division, 1) for i in classes]
    section_boost: dict[str, float] = {}
    for industry, b in zip(classes, boost, strict=True):
        section_boost[industry.section] = section_boost.get(industry.section, 0) + b
    industry_cum = list(
        accumulate(
            SECTION_WEIGHTS.get(i.section, 0.5) * b / section_boost[i.section]
            for i, b in zip(classes, boost, strict=True)
        )
    )
    names: set[str] = set()

    def enterprise(serial: int) -> Enterprise:
        district = rng.choices(districts, cum_weights=district_cum)[0]
        industry = rng.choices(classes, cum_weights=industry_cum)[0]
        words = INDUSTRY_WORDS.get(industry.division) or INDUSTRY_WORDS.get(industry.section, ("实业",))
        # The registry refuses a name already taken, so a registrant picks another trade name;
        # after a few tries the serial settles it.
        for _ in range(8):
            trade, word = "".join(rng.sample(TRADE_CHARS, 2)), rng.choice(words)
            name = f"昆山{trade}{word}有限公司"
            if name not in names:
                break
        else:
            name = f"昆山{trade}{word}{serial}有限公司"
        names.add(name)
        # Log-normal headcount: median about 25, a long tail of big plants.
        headcount = min(50_000, 1 + int(rng.lognormvariate(3.2, 1.3)))
        above_scale = headcount >= 240  # about the top 4%, as 规上 tracks size
        key = above_scale and rng.random() < 0.25  # about 1%
        return Enterprise(
            credit_code=credit_code(serial),
            name=name,
            district=district,
            industry=industry,
            address=f"江苏省昆山市{district.name}{rng.choice(ROADS)}{rng.randint(1, 999)}号",
            legal_representative=_person(rng),
            contact_name=_person(rng),
            contact_mobile=_mobile(rng),
            headcount=headcount,
            is_above_scale=above_scale,
            is_key=key,
            is_chain_leader=key and rng.random() < 0.1,
            status=Enterprise.Status.ACTIVE,
        )

    # Batches keep memory flat at any scale; the rows are the same as one big list would give.
    for start in range(0, n, BATCH_SIZE):
        batch = [enterprise(serial) for serial in range(start, min(n, start + BATCH_SIZE))]
        Enterprise.objects.bulk_create(batch, batch_size=BATCH_SIZE)
    return n


def bench_users_create() -> tuple[User, User]:
    """The two viewers of the list: staff of 张浦镇 (one district's share) and a commander (the city)."""
    staff = User.objects.create_user(
        username="bench_zhangpu",
        full_name="张浦属地",
        role=Role.DISTRICT_STAFF,
        district=District.objects.get(code="zhangpu"),
    )
    commander = User.objects.create_user(username="bench_commander", full_name="指挥部", role=Role.COMMANDER)
    return staff, commander
