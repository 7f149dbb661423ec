"""Loads the reference data, idempotently: `manage.py load_reference` and the test set-up run it.

Codes are stable identifiers; names may be corrected in the admin without breaking anything.
"""

import csv
from pathlib import Path

from django.db import transaction

from reference.models import Community, District, Division, Industry, IndustryAuthority

DATA = Path(__file__).resolve().parent / "data"
GBT4754_CSV = DATA / "gbt4754_2017.csv"
GBT2260_CSV = DATA / "gbt2260.csv"

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

INDUSTRY_AUTHORITIES_CSV = DATA / "industry_authorities.csv"


def industry_authorities() -> list[tuple[str, str, list[str], str]]:
    """Each bureau with the GB/T 4754-2017 nodes it guides and its other duties (reference/data)."""
    with INDUSTRY_AUTHORITIES_CSV.open(encoding="utf-8", newline="") as f:
        return [(r["code"], r["name"], r["industries"].split(), r["duties"]) for r in csv.DictReader(f)]


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
    for code, name, industry_codes, duties in industry_authorities():
        authority, _created = IndustryAuthority.objects.update_or_create(
            code=code, defaults={"name": name, "duties": duties}
        )
        authority.industries.set(Industry.objects.filter(code__in=industry_codes))
    return {
        "districts": District.objects.count(),
        "communities": Community.objects.count(),
        "industry_authorities": IndustryAuthority.objects.count(),
    }


# --- GB/T 4754-2017, the industry classification ------------------------------------------------


@transaction.atomic
def industries_load(*, path: Path = GBT4754_CSV) -> int:
    """Upsert the classification from its CSV (parents precede children); returns the row count."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    section_of: dict[str, str] = {}
    industries = []
    for row in rows:
        code, level = row["code"], row["level"]
        section = code if level == Industry.Level.SECTION else section_of[row["parent"]]
        section_of[code] = section
        industries.append(
            Industry(
                code=code,
                name=row["name"],
                level=level,
                parent_id=row["parent"] or None,
                section=section,
                division=code[:2] if level != Industry.Level.SECTION else "",
                group=code[:3] if level in (Industry.Level.GROUP, Industry.Level.CLASS) else "",
            )
        )
    Industry.objects.bulk_create(
        industries,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "name_pinyin", "level", "parent", "section", "division", "group"],
        batch_size=500,
    )
    return len(industries)


# --- GB/T 2260, the administrative divisions ----------------------------------------------------


@transaction.atomic
def divisions_load(*, path: Path = GBT2260_CSV) -> int:
    """Bring the divisions in line with the CSV: insert new codes, update changed names; returns the
    row count. Codes missing from the file are kept (workers and lists refer to them). Reads the table
    once and writes only the differences, so a second run costs one query."""
    with path.open(encoding="utf-8", newline="") as handle:
        wanted = {
            row["code"]: (row["name"], row["full_name"], row["level"], row["parent"] or None)
            for row in csv.DictReader(handle)
        }
    existing = {
        code: (name, full_name, level, parent)
        for code, name, full_name, level, parent in Division.objects.values_list(
            "code", "name", "full_name", "level", "parent_id"
        )
    }

    def division(code: str) -> Division:
        name, full_name, level, parent = wanted[code]
        return Division(code=code, name=name, full_name=full_name, level=level, parent_id=parent)

    # The file lists parents first (by code), so each batch only points at rows already written.
    Division.objects.bulk_create([division(code) for code in wanted if code not in existing], batch_size=500)
    changed = [division(code) for code, values in wanted.items() if code in existing and existing[code] != values]
    Division.objects.bulk_update(changed, ["name", "full_name", "level", "parent"], batch_size=500)
    return len(wanted)
