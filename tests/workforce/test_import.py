import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.excel_helpers import open_workbook, xlsx_upload
from tests.factories import EnterpriseFactory
from workforce import services
from workforce.models import WorkforceReport

pytestmark = pytest.mark.django_db

HEADERS = [
    "统一社会信用代码",
    "职工总数",
    "累计返昆人数",
    "今日在岗人数",
    "未返昆: 高风险地区",
    "未返昆: 中风险地区",
    "未返昆: 低风险地区",
    "隔离观察人数",
    "今日返昆人数",
    "今日返昆: 来自高风险地区",
    "今日返昆: 来自中风险地区",
]
GOOD = [100, 80, 70, 2, 8, 10, 5, 6, 0, 1]


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(dt.datetime(2020, 3, 9, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


def test_staff_import_a_days_reports(client, district_a, district_staff_a):
    first, second = EnterpriseFactory.create_batch(2, district=district_a)
    client.force_login(district_staff_a)
    upload = xlsx_upload(HEADERS, [[first.credit_code, *GOOD], [second.credit_code.lower(), *GOOD]])
    response = client.post(reverse("workforce:import"), {"file": upload})
    assert response["Location"] == reverse("workforce:status")
    assert WorkforceReport.objects.filter(day=dt.date(2020, 3, 9)).count() == 2


def test_template_headers_match_the_import():
    assert [str(c.header) for c in services.workforce_import_columns()] == HEADERS


def test_a_bad_row_imports_nothing(client, district_a, district_b, district_staff_a):
    mine, theirs = EnterpriseFactory(district=district_a), EnterpriseFactory(district=district_b)
    client.force_login(district_staff_a)
    rows = [
        [mine.credit_code, *GOOD],
        [mine.credit_code, *GOOD],  # the same enterprise twice
        [theirs.credit_code, *GOOD],  # another district's enterprise
        [EnterpriseFactory(district=district_a).credit_code, 100, 80, 90, 2, 8, 10, 5, 6, 0, 1],  # on duty > returned
        [EnterpriseFactory(district=district_a).credit_code, 100, 80, "很多", 2, 8, 10, 5, 6, 0, 1],
    ]
    response = client.post(reverse("workforce:import"), {"file": xlsx_upload(HEADERS, rows)})
    assert not WorkforceReport.objects.exists()
    errors = {(e.row, e.column): e.message for e in response.context["errors"]}
    assert errors[(3, "credit_code")] == str(services.MSG_IMPORT_DUPLICATE % {"row": 2})
    assert errors[(4, "credit_code")] == str(services.MSG_IMPORT_UNKNOWN_ENTERPRISE)
    assert errors[(5, "on_duty")] == str(services.MSG_ON_DUTY_GT_RETURNED)
    assert (6, "on_duty") in errors
    annotated = open_workbook(client.get(reverse("download", args=[response.context["error_token"]])).content)
    assert annotated.worksheets[0].cell(row=5, column=4).comment is not None


def test_only_district_staff_import(client, commander, enterprise_user_a):
    for user in (commander, enterprise_user_a):
        client.force_login(user)
        assert client.get(reverse("workforce:import")).status_code == 403
