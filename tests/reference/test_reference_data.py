import pytest

from enterprises.models import Enterprise
from reference.models import Community, District, Industry, IndustryAuthority
from reference.services import DISTRICTS, industries_load, reference_load

pytestmark = pytest.mark.django_db


def test_classification_has_all_sections_and_divisions():
    by_level = {level: Industry.objects.filter(level=level).count() for level in Industry.Level.values}
    assert by_level == {"section": 20, "division": 97, "group": 473, "class": 1381}
    assert list(Industry.objects.filter(level="section").values_list("code", flat=True).order_by("code")) == list(
        "ABCDEFGHIJKLMNOPQRST"
    )
    divisions = Industry.objects.filter(level="division").values_list("code", flat=True).order_by("code")
    assert list(divisions) == [f"{n:02d}" for n in range(1, 98)]


def test_every_node_knows_its_section_division_and_group():
    cinema = Industry.objects.get(code="8760")
    assert cinema.name == "电影放映"
    assert (cinema.section, cinema.division, cinema.group) == ("R", "87", "876")
    assert cinema.ancestor_codes == ["R", "87", "876", "8760"]
    assert cinema.parent.parent.parent.code == "R"
    # No class hangs under a parent of the wrong level or prefix.
    for industry in Industry.objects.filter(level="class").select_related("parent"):
        assert industry.parent.level == "group" and industry.code.startswith(industry.parent.code)


def test_negative_list_industries_are_present():
    names = dict(
        Industry.objects.filter(code__in=["8760", "9011", "9012", "9013", "8051", "8052", "8930", "8393"]).values_list(
            "code", "name"
        )
    )
    assert names == {
        "8760": "电影放映",
        "9011": "歌舞厅娱乐活动",
        "9012": "电子游艺厅娱乐活动",
        "9013": "网吧活动",
        "8051": "洗浴服务",
        "8052": "足浴服务",
        "8930": "健身休闲活动",
        "8393": "文化艺术培训",
    }


def test_loading_twice_changes_nothing():
    before = (Industry.objects.count(), District.objects.count(), Community.objects.count())
    industries_load()
    reference_load()
    assert (Industry.objects.count(), District.objects.count(), Community.objects.count()) == before


def test_kunshan_districts_have_stable_codes():
    assert list(District.objects.values_list("code", "name")) == [(code, name) for code, name, _ in DISTRICTS]
    assert District.objects.count() == 12


def test_demo_communities_are_marked_as_demo():
    assert Community.objects.count() == 24
    assert not Community.objects.filter(is_demo=False).exists()


def test_authority_scope_covers_sections_and_divisions(district_a):
    from tests.factories import EnterpriseFactory, UserFactory

    car_parts = EnterpriseFactory(district=district_a, industry=Industry.objects.get(code="3670"))
    cinema = EnterpriseFactory(district=district_a, industry=Industry.objects.get(code="8760"))
    hospital = EnterpriseFactory(district=district_a, industry=Industry.objects.get(code="8411"))
    industry_bureau = UserFactory(authority_staff=True, industry_authority=IndustryAuthority.objects.get(code="gxj"))
    health = UserFactory(authority_staff=True, industry_authority=IndustryAuthority.objects.get(code="wjw"))
    assert set(Enterprise.objects.visible_to(industry_bureau)) == {car_parts}
    assert set(Enterprise.objects.visible_to(health)) == {hospital}
    assert cinema not in Enterprise.objects.visible_to(health)


def test_the_missing_industry_authorities_are_loaded_with_their_industries_and_duties():
    mapped = {
        a.code: (a.name, sorted(a.industries.values_list("code", flat=True)), bool(a.duties))
        for a in IndustryAuthority.objects.filter(code__in=["rsj", "scjgj", "yjglj"])
    }
    assert mapped == {
        "rsj": ("人社局", ["726"], True),
        "scjgj": ("市场监管局", ["13", "14", "15", "27", "62"], True),
        "yjglj": ("应急管理局", ["25", "26", "31", "32", "B"], True),
    }


def test_an_authority_sees_the_enterprises_of_its_industries():
    from enterprises.models import industry_in_authority_q
    from tests.factories import EnterpriseFactory

    chemicals = EnterpriseFactory(industry=Industry.objects.get(code="2614"))
    bakery = EnterpriseFactory(industry=Industry.objects.get(code="1411"))
    safety = IndustryAuthority.objects.get(code="yjglj")
    market = IndustryAuthority.objects.get(code="scjgj")
    assert set(Enterprise.objects.filter(industry_in_authority_q(safety.pk))) == {chemicals}
    assert set(Enterprise.objects.filter(industry_in_authority_q(market.pk))) == {bakery}


def test_loading_the_authorities_twice_changes_nothing():
    before = list(IndustryAuthority.objects.order_by("code").values_list("code", "name", "duties"))
    reference_load()
    reference_load()
    assert list(IndustryAuthority.objects.order_by("code").values_list("code", "name", "duties")) == before
    assert IndustryAuthority.objects.count() == 15
