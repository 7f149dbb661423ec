"""The dashboards' supervision figures: inspections done, findings, rectified on time, overdue, notices by
district, and the share of returnees trained; a fixed number of queries whatever the data."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from supervision import selectors, services
from tests.factories import EnterpriseFactory, UserFactory
from tests.passes.factories import WorkerFactory
from tests.supervision.helpers import finding_of, planned_round, published_notice, recorded_visit

pytestmark = pytest.mark.django_db


def _row(figures, district):
    return next(row for row in figures["rows"] if row["district"] == district)


def test_the_figures_count_each_district_apart(
    enterprise_user_a, district_staff_a, district_a, district_b, district_staff_b
):
    finding = finding_of(enterprise_user_a.enterprise, district_staff_a)
    services.finding_report_rectification(finding=finding, reported_by=enterprise_user_a, rectification="x")
    services.finding_accept(finding=finding, reinspected_by=district_staff_a)
    late = finding_of(EnterpriseFactory(district=district_a), district_staff_a)
    visit_b = planned_round(district_staff_b, targets=[EnterpriseFactory(district=district_b)]).visits.get()
    recorded_visit(visit_b, district_staff_b)
    commanders = UserFactory(role="commander"), UserFactory(role="commander")
    published_notice(*commanders, district_a)
    returnee = WorkerFactory(enterprise=enterprise_user_a.enterprise)
    WorkerFactory(enterprise=enterprise_user_a.enterprise)
    services.training_session_record(
        enterprise=enterprise_user_a.enterprise,
        recorded_by=enterprise_user_a,
        kind="pre_job",
        held_on=timezone.localdate(),
        topic="t",
        trainer="t",
        attendee_count=1,
        attendees=[returnee],
    )
    with time_machine.travel(late.deadline + dt.timedelta(minutes=1), tick=False):
        figures = selectors.supervision_figures()
    a, b = _row(figures, district_a), _row(figures, district_b)
    assert (a["visits"], a["findings"], a["on_time"], a["overdue"], a["notices"]) == (2, 2, 1, 1, 1)
    assert (a["returnees"], a["trained"], a["trained_share"]) == (2, 1, 0.5)
    assert (b["visits"], b["findings"], b["notices"]) == (1, 0, 0)
    assert figures["totals"]["visits"] == 3 and figures["totals"]["notices"] == 1
    own = selectors.district_figures(figures, district_b.pk)
    assert [row["district"] for row in own["rows"]] == [district_b] and own["totals"]["notices"] == 0
    assert selectors.district_figures(figures, district_a.pk)["totals"]["notices"] == 1


def test_the_figures_cost_the_same_queries_at_any_size(district_staff_a, district_a):
    planned_round(district_staff_a, targets=[EnterpriseFactory(district=district_a)])
    with CaptureQueriesContext(connection) as small:
        selectors.supervision_figures()
    enterprises = EnterpriseFactory.create_batch(8, district=district_a)
    for visit in planned_round(district_staff_a, targets=enterprises).visits.all():
        recorded_visit(visit, district_staff_a, failed={2: "x"})
    with CaptureQueriesContext(connection) as large:
        selectors.supervision_figures()
    assert len(small) == len(large), "\n".join(q["sql"] for q in large.captured_queries)


def test_the_refresh_task_keeps_the_figures_the_pages_show(client, commander, district_staff_a, district_a):
    from supervision.tasks import refresh_figures

    refresh_figures.delay()
    planned_round(district_staff_a, targets=[EnterpriseFactory(district=district_a)])
    visit = planned_round(district_staff_a, targets=[EnterpriseFactory(district=district_a)]).visits.get()
    recorded_visit(visit, district_staff_a)
    client.force_login(commander)
    assert client.get(reverse("supervision:figures_city")).context["totals"]["visits"] == 0  # as cached
    refresh_figures.delay()
    assert client.get(reverse("supervision:figures_city")).context["totals"]["visits"] == 1


def test_the_dashboards_load_the_block_scoped_like_the_dashboards(
    client, commander, district_staff_a, district_staff_b, district_a
):
    client.force_login(commander)
    assert 'hx-get="/supervision/figures/city/"' in client.get(reverse("dashboard:city")).content.decode()
    response = client.get(reverse("supervision:figures_city"))
    assert response.status_code == 200 and 'data-testid="sv-by-district"' in response.content.decode()
    client.force_login(district_staff_a)
    url = reverse("supervision:figures_district", args=[district_a.pk])
    assert f'hx-get="{url}"' in client.get(reverse("dashboard:district", args=[district_a.pk])).content.decode()
    assert client.get(url).status_code == 200
    assert client.get(reverse("supervision:figures_city")).status_code == 403
    client.force_login(district_staff_b)
    assert client.get(url).status_code == 404
