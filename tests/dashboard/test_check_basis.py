"""The check figures count checks made at a checkpoint only: a passer-by opening a pass's QR link is logged
apart (no checker, no checkpoint) and counts in no figure, so that anyone with a browser cannot inflate the
commanders' "checks today". The dashboards state this 口径 beside the chart."""

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.charts import CHECKS_BASIS
from dashboard.selectors import city_figures_refresh
from passes.models import PassCheck
from tests.passes.factories import issued_pass

pytestmark = pytest.mark.django_db


def test_anonymous_checks_are_logged_apart_and_counted_nowhere(
    client, enterprise_user_a, district_staff_a, checkpoint_staff, commander
):
    valid_pass = issued_pass(enterprise_user_a, district_staff_a)
    verify = reverse("passes:verify", kwargs={"token": valid_pass.token})
    for _ in range(5):
        assert client.get(verify).status_code == 200  # passers-by, not signed in
    client.force_login(checkpoint_staff)
    assert client.get(verify).status_code == 200  # the guard at 张浦镇演示社区

    anonymous = PassCheck.objects.filter(checked_by__isnull=True, community__isnull=True)
    assert anonymous.count() == 5
    assert PassCheck.objects.at_checkpoints().get().checked_by == checkpoint_staff

    today = timezone.localdate()
    areas = city_figures_refresh(today)["areas"]
    district = checkpoint_staff.community.district_id
    assert (areas[None]["now"]["checks_today"], areas[district]["now"]["checks_today"]) == (1, 1)

    client.force_login(commander)
    hourly = client.get(reverse("dashboard:city_data", kwargs={"chart": "checks"})).json()
    assert sum(hourly["series"][0]["data"]) == 1
    client.force_login(district_staff_a)
    own = client.get(reverse("dashboard:district_data", kwargs={"chart": "checks", "pk": district})).json()
    assert sum(own["series"][0]["data"]) == 1


def test_the_city_and_district_dashboards_state_what_the_check_figures_count(client, commander, district_staff_a):
    client.force_login(commander)
    assert str(CHECKS_BASIS) in client.get(reverse("dashboard:city")).content.decode()
    client.force_login(district_staff_a)
    page = client.get(reverse("dashboard:district", kwargs={"pk": district_staff_a.district_id}))
    assert str(CHECKS_BASIS) in page.content.decode()
