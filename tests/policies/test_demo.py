"""The demo catalogue: loaded by load_reference only while no policy exists, marked as demo, a go-live task."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from policies.models import PolicyAnswer, PolicyApplication, SupportPolicy
from policies.services import policy_catalogue_demo_load

pytestmark = pytest.mark.django_db


def test_load_reference_loads_the_demo_catalogue_once(settings):
    out = StringIO()
    call_command("load_reference", stdout=out)
    assert "共 35 条" in out.getvalue()
    assert SupportPolicy.objects.count() == 35 and not SupportPolicy.objects.filter(is_demo=False).exists()
    assert SupportPolicy.objects.filter(benefit_type="other").count() == 20
    assert PolicyAnswer.objects.filter(is_demo=True).exists()
    out = StringIO()
    call_command("load_reference", stdout=out)
    assert "惠企政策" not in out.getvalue() and SupportPolicy.objects.count() == 35


def test_the_demo_catalogue_is_not_loaded_over_real_policies():
    from tests.policies.helpers import make_policy

    make_policy(title="正式政策")
    assert policy_catalogue_demo_load() is None
    assert list(SupportPolicy.objects.values_list("title", flat=True)) == ["正式政策"]


def test_demo_policies_are_a_go_live_task_for_the_administrator(client, admin_user):
    policy_catalogue_demo_load()
    client.force_login(admin_user)
    html = client.get(reverse("portal:home")).content.decode()
    assert 'data-testid="go-live-policies"' in html and "还有 35 条演示数据" in html
    SupportPolicy.objects.update(is_demo=False)
    assert 'data-testid="go-live-policies"' not in client.get(reverse("portal:home")).content.decode()


def test_the_demo_seed_gives_applications_in_several_states_and_is_idempotent(settings):
    from portal.demo import demo_seed

    call_command("load_reference", stdout=StringIO())
    demo_seed(password=settings.DEMO_PASSWORD)
    states = set(PolicyApplication.objects.values_list("status", flat=True))
    assert states == {"submitted", "approved", "paid", "returned", "rejected"}
    count = PolicyApplication.objects.count()
    demo_seed(password=settings.DEMO_PASSWORD)
    assert PolicyApplication.objects.count() == count
    assert PolicyApplication.objects.get(status="paid").payout.is_early
