"""The administrator's landing page lists what still stands in the way of real use: rule lists in force that
are demo content or missing, and demo communities."""

import pytest
from django.urls import reverse
from django.utils import timezone

from negative_list.models import NegativeList
from negative_list.services import negative_list_demo_load
from passes.services.risk_areas import risk_area_list_demo_load
from reference.models import Community
from tests.passes.factories import published_risk_list

pytestmark = pytest.mark.django_db

ITEMS = ("go-live-negative-list", "go-live-risk-list", "go-live-communities")


def _admin_home(client, admin_user) -> str:
    client.force_login(admin_user)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    return response.content.decode()


def _official_negative_list() -> NegativeList:
    return NegativeList.objects.create(
        title="复工复产负面清单",
        source_document="昆防指〔2020〕19号",
        effective_from=timezone.localdate(),
        status=NegativeList.Status.PUBLISHED,
        published_at=timezone.now(),
    )


def test_demo_lists_and_communities_are_on_the_admins_list(client, admin_user):
    negative_list_demo_load()
    risk_area_list_demo_load()
    assert Community.objects.filter(is_demo=True).exists()  # the reference data's demo checkpoints
    html = _admin_home(client, admin_user)
    for item in ITEMS:
        assert f'data-testid="{item}"' in html
    assert "现行负面清单是演示数据" in html
    assert "现行风险地区名单是演示数据" in html
    assert f"还有 {Community.objects.filter(is_demo=True).count()} 个演示社区(村)" in html


def test_missing_lists_are_on_the_admins_list(client, admin_user):
    html = _admin_home(client, admin_user)
    assert "没有生效的负面清单" in html
    assert "没有生效的风险地区名单" in html


def test_official_lists_and_real_communities_leave_nothing_to_do(client, admin_user):
    negative_list_demo_load()
    risk_area_list_demo_load()
    _official_negative_list()
    published_risk_list(effective_from=timezone.localdate())
    Community.objects.update(is_demo=False)
    html = _admin_home(client, admin_user)
    for item in ITEMS:
        assert f'data-testid="{item}"' not in html


def test_commanders_do_not_get_the_admins_list(client, commander):
    negative_list_demo_load()
    client.force_login(commander)
    html = client.get(reverse("portal:home")).content.decode()
    assert "go-live-" not in html
