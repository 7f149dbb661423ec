import csv
from pathlib import Path

from django.db import transaction

from negative_list.models import Industry

GBT4754_CSV = Path(__file__).resolve().parent / "data" / "gbt4754_2017.csv"


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
        update_fields=["name", "level", "parent", "section", "division", "group"],
        batch_size=500,
    )
    return len(industries)
