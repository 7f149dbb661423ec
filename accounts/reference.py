"""Kunshan's jurisdictions as reference data: loaded by `manage.py load_reference`, edited in the admin.

Codes are stable identifiers; names may be corrected in the admin without breaking anything.
"""

from django.db import transaction

from accounts.models import Community, District, IndustryAuthority
from negative_list.models import Industry

DISTRICTS = [
    ("kfq", "昆山开发区", District.Kind.ZONE),
    ("gxq", "昆山高新区", District.Kind.ZONE),
    ("huaqiao", "花桥经济开发区", District.Kind.ZONE),
    ("lvyou", "旅游度假区", District.Kind.ZONE),
    ("zhangpu", "张浦镇", District.Kind.TOWN),
    ("zhoushi", "周市镇", District.Kind.TOWN),
    ("lujia", "陆家镇", District.Kind.TOWN),
    ("bacheng", "巴城镇", District.Kind.TOWN),
    ("qiandeng", "千灯镇", District.Kind.TOWN),
    ("dianshanhu", "淀山湖镇", District.Kind.TOWN),
    ("zhouzhuang", "周庄镇", District.Kind.TOWN),
    ("jinxi", "锦溪镇", District.Kind.TOWN),
]

# Each bureau with the GB/T 4754-2017 sections or divisions it guides.
INDUSTRY_AUTHORITIES = [
    ("gxj", "工信局", ["B", "C", "D", "I"]),
    ("swj", "商务局", ["F", "H", "L", "O"]),
    ("zjj", "住建局", ["E", "K"]),
    ("jtysj", "交通运输局", ["G"]),
    ("wtglj", "文体广电和旅游局", ["R"]),
    ("jyj", "教育局", ["P"]),
    ("wjw", "卫健委", ["84"]),
    ("mzj", "民政局", ["85"]),
    ("nyncj", "农业农村局", ["A"]),
    ("kjj", "科技局", ["M"]),
    ("jrjgj", "地方金融监管局", ["J"]),
    ("swuj", "水务局", ["46", "76"]),
]

# Two demonstration communities per district until the real list of 社区(村) is loaded.
DEMO_COMMUNITIES = [("demo-1", "演示社区"), ("demo-2", "演示村")]


@transaction.atomic
def reference_load() -> dict[str, int]:
    """Idempotent: running it again updates names and mappings, never duplicates a row."""
    for order, (code, name, kind) in enumerate(DISTRICTS, start=1):
        District.objects.update_or_create(code=code, defaults={"name": name, "kind": kind, "sort_order": order})
    for district in District.objects.filter(code__in=[code for code, _, _ in DISTRICTS]):
        for suffix, name in DEMO_COMMUNITIES:
            Community.objects.update_or_create(
                code=f"{district.code}-{suffix}",
                defaults={"district": district, "name": f"{district.name}{name}", "is_demo": True},
            )
    for code, name, industry_codes in INDUSTRY_AUTHORITIES:
        authority, _created = IndustryAuthority.objects.update_or_create(code=code, defaults={"name": name})
        authority.industries.set(Industry.objects.filter(code__in=industry_codes))
    return {
        "districts": District.objects.count(),
        "communities": Community.objects.count(),
        "industry_authorities": IndustryAuthority.objects.count(),
    }
