"""The worker form's community list follows the chosen district, in a real browser (htmx, vendored)."""

import pytest
from django.urls import reverse

from reference.models import District
from tests.e2e.conftest import log_in, open_page

pytestmark = pytest.mark.e2e


def test_choosing_a_district_refills_the_community_list(browser, live_server, seeded):
    context, page = open_page(browser, "phone")
    log_in(page, live_server.url, "demo_enterprise", seeded)
    page.goto(f"{live_server.url}{reverse('passes:roster_create')}")
    kfq = District.objects.get(code="kfq")
    expected = [f"{kfq.name} · {c.name}" for c in kfq.communities.order_by("code")]
    page.locator("#id_residence_district").select_option(str(kfq.pk))
    page.wait_for_function(
        "n => document.querySelectorAll('#id_residence_community option').length === n", arg=len(expected) + 1
    )
    options = page.locator("#id_residence_community option").all_inner_texts()
    assert [o.strip() for o in options[1:]] == expected
    assert not page.problems, page.problems
    context.close()
