"""The GB/T 2260 divisions shipped in passes/data/gbt2260.csv and their loader."""

import csv

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reference.models import Division
from reference.services import GBT2260_CSV, divisions_load

pytestmark = pytest.mark.django_db


def test_every_province_city_and_county_is_loaded():
    by_level = {level: Division.objects.filter(level=level).count() for level in Division.Level.values}
    assert by_level == {"province": 34, "city": 333, "county": 2846}
    provinces = set(Division.objects.filter(level="province").values_list("code", flat=True))
    assert {"110000", "320000", "420000", "500000", "650000", "710000", "810000", "820000"} <= provinces


@pytest.mark.parametrize(
    ("code", "full_name", "level", "parent"),
    [
        ("420102", "湖北省武汉市江岸区", "county", "420100"),
        ("330302", "浙江省温州市鹿城区", "county", "330300"),
        ("511602", "四川省广安市广安区", "county", "511600"),
        ("320583", "江苏省苏州市昆山市", "county", "320500"),
        ("420100", "湖北省武汉市", "city", "420000"),
        ("411500", "河南省信阳市", "city", "410000"),
        ("420000", "湖北省", "province", None),
        # No prefecture-level row above these: the province is the parent.
        ("110105", "北京市朝阳区", "county", "110000"),
        ("500229", "重庆市城口县", "county", "500000"),
        ("429004", "湖北省仙桃市", "county", "420000"),
        # Changes the Ministry approved around the turn of 2019/2020 are in.
        ("140703", "山西省晋中市太谷区", "county", "140700"),
    ],
)
def test_2020_codes_are_present_with_their_full_names(code, full_name, level, parent):
    division = Division.objects.get(code=code)
    assert (division.full_name, division.level, division.parent_id) == (full_name, level, parent)


def test_statistics_only_units_and_pseudo_cities_are_not_divisions():
    # 石家庄高新技术产业开发区 (National Bureau of Statistics only), 北京 "市辖区", 湾里区 (abolished 2019).
    assert not Division.objects.filter(code__in=["130171", "110100", "360105"]).exists()


def test_every_parent_exists_one_level_up_and_prefixes_its_children():
    levels = {"city": {"province"}, "county": {"city", "province"}}
    for division in Division.objects.exclude(level="province").select_related("parent"):
        assert division.parent.level in levels[division.level], division
        prefix = division.parent.code.rstrip("0") if division.parent.level == "province" else division.parent.code[:4]
        assert division.code.startswith(prefix), division
        assert division.full_name.startswith(division.parent.full_name) and division.full_name.endswith(division.name)


def test_the_file_lists_parents_before_children():
    with GBT2260_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    seen: set[str] = set()
    for row in rows:
        assert not row["parent"] or row["parent"] in seen, row
        seen.add(row["code"])
    assert len(rows) == len(seen) == 3213


def test_loading_again_writes_nothing_and_repairs_a_changed_name():
    with CaptureQueriesContext(connection) as queries:
        assert divisions_load() == 3213
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []

    Division.objects.filter(code="420102").update(name="改错的名字", full_name="改错的名字")
    Division.objects.filter(code="420103").delete()
    divisions_load()
    assert Division.objects.get(code="420102").full_name == "湖北省武汉市江岸区"
    assert Division.objects.get(code="420103").full_name == "湖北省武汉市江汉区"
    assert Division.objects.count() == 3213


def test_a_code_gone_from_the_file_is_kept():
    """Workers and lists point at divisions (PROTECT): a newer list that drops a code must not delete it."""
    Division.objects.create(
        code="360105", name="湾里区", full_name="江西省南昌市湾里区", level="county", parent_id="360100"
    )
    divisions_load()
    assert Division.objects.filter(code="360105").exists()
