import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from filings import services
from reference.models import Industry
from tests.factories import EnterpriseFactory, UserFactory
from tests.filings.helpers import complete_draft, publish_negative_list, submitted
from workforce.resumption import (
    NOTE_FILED,
    NOTE_RESUMED,
    NOTE_RESUMPTION_RATE,
    NOTE_SHOULD,
    resumption_progress,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2020, 3, 9)


@pytest.fixture(autouse=True)
def _march_2020():
    with time_machine.travel(dt.datetime(2020, 3, 9, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


def _owner(district, **fields):
    return UserFactory(enterprise_user=True, enterprise=EnterpriseFactory(district=district, **fields))


def test_progress_counts_a_known_dataset(district_a, district_b, commander):
    publish_negative_list(("8760",))
    cinema = Industry.objects.get(code="8760")
    resumed = submitted(_owner(district_a))
    services.filing_record_resumption(filing=resumed, recorded_by=resumed.enterprise.users.get(), dates={"work": TODAY})
    submitted(_owner(district_a))  # filed, not yet resumed
    complete_draft(_owner(district_a))  # a draft is not filed
    _owner(district_a, industry=cinema)  # on the negative list: should not resume
    _owner(district_b)  # nothing yet
    progress = resumption_progress(commander, TODAY)
    by_district = {row["district"].code: row for row in progress["rows"]}
    assert {k: by_district["zhangpu"][k] for k in ("total", "should", "filed", "resumed")} == {
        "total": 4,
        "should": 3,
        "filed": 2,
        "resumed": 1,
    }
    assert by_district["zhangpu"]["rate_percent"] == 33.3
    assert (by_district["kfq"]["should"], by_district["kfq"]["resumed"]) == (1, 0)
    assert progress["totals"]["should"] == 4 and progress["totals"]["rate_percent"] == 25.0


def test_district_staff_see_only_their_district_progress(district_a, district_b, district_staff_a):
    _owner(district_a), _owner(district_b)
    rows = resumption_progress(district_staff_a, TODAY)["rows"]
    assert [row["district"].code for row in rows] == ["zhangpu"]


def test_commander_landing_shows_progress_with_a_fixed_query_count(client, commander, district_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    submitted(_owner(district_a))
    client.force_login(commander)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("portal:home"))
        assert "应复尽复进度" in response.content.decode()
        return len(ctx.captured_queries)

    few = count()
    for _ in range(5):
        submitted(_owner(district_a))
    assert count() == few


@pytest.mark.parametrize("role", ["commander", "admin_user"])
def test_the_landing_page_reads_the_rate_with_one_percent_sign_and_states_each_definition(
    request, client, district_a, role
):
    """Not "应复尽复率(%%)": the rate carries its own per cent sign, and each figure says what it counts."""
    publish_negative_list(("8760",))
    resumed = submitted(_owner(district_a))
    services.filing_record_resumption(filing=resumed, recorded_by=resumed.enterprise.users.get(), dates={"work": TODAY})
    submitted(_owner(district_a))
    client.force_login(request.getfixturevalue(role))
    html = client.get(reverse("portal:home")).content.decode()
    assert "%%" not in html
    rate = html[html.index('data-testid="figure-rate"') :]
    assert rate[rate.index(">") + 1 : rate.index("</div>")] == "50.0%"
    assert "应复尽复率</div>" in rate
    for key, note in (
        ("should", NOTE_SHOULD),
        ("filed", NOTE_FILED),
        ("resumed", NOTE_RESUMED),
        ("rate", NOTE_RESUMPTION_RATE),
    ):
        assert f'data-testid="note-{key}">{note}</div>' in html
