"""Requests need the default tiers (a transactional test elsewhere may have emptied the table) and a linkage for
张浦镇: its task-force head and city leader."""

import pytest

from reference.models import District
from service_requests.linkage import linkage_tiers_default_load
from service_requests.models import DistrictLinkage
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def tiers(db):
    linkage_tiers_default_load()


@pytest.fixture
def task_force_head(district_a):
    return UserFactory(district_staff=True, district=district_a, full_name="专班负责人")


@pytest.fixture
def city_leader(db):
    return UserFactory(role="commander", full_name="挂钩市领导")


@pytest.fixture
def linkage_a(district_a, task_force_head, city_leader):
    return DistrictLinkage.objects.create(district=district_a, task_force_head=task_force_head, city_leader=city_leader)


@pytest.fixture
def official_a(enterprise_a, district_a):
    """enterprise_a's responsible official: tier 1."""
    official = UserFactory(district_staff=True, district=district_a, full_name="挂钩干部")
    enterprise_a.responsible_official = official
    enterprise_a.save(update_fields=["responsible_official"])
    return official


@pytest.fixture
def gxj_staff(db):
    """工信局, the authority of enterprise_a's industry (3670, manufacturing): tier 3."""
    return UserFactory(authority_staff=True)


@pytest.fixture
def zhangpu(db):
    return District.objects.get(code="zhangpu")
