from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from labour.models import LabourDispute, LabourNeed, MarketComplaint, RecruitmentDrive
from labour.services import disputes, supply
from labour.views import complaints as complaint_views
from tests.excel_helpers import open_workbook
from tests.labour.factories import agency_by, complaint_by, dispute_by, drive_by, hr_bureau_user, need_of, pairing_of
from tests.passes.factories import HIGH_RISK_ORIGIN, published_risk_list

pytestmark = pytest.mark.django_db

LISTS = [
    "labour:needs",
    "labour:pairings",
    "labour:drives",
    "labour:disputes",
    "labour:complaints",
    "labour:agencies",
    "labour:figures",
]


def _world(enterprise_user, district_staff, n: int):
    enterprise = enterprise_user.enterprise
    for i in range(n):
        need = need_of(enterprise_user, job=f"岗位{i}")
        pairing_of(need, district_staff)
        drive_by(district_staff, title=f"活动{i}")
        dispute_by(district_staff, enterprise)
        complaint_by(hr_bureau_user())


def _queries(client, url) -> int:
    cache.clear()  # the figures pages read a one-minute cache: count what computing them costs
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url_name", LISTS)
def test_lists_and_figures_cost_the_same_queries_at_any_length(client, enterprise_user_a, district_staff_a, url_name):
    bureau = hr_bureau_user()
    _world(enterprise_user_a, district_staff_a, 1)
    client.force_login(bureau)
    client.get(reverse(url_name))  # the first request of a process also fills its caches (content types, ...)
    few = _queries(client, reverse(url_name))
    _world(enterprise_user_a, district_staff_a, 4)
    many = _queries(client, reverse(url_name))
    assert few == many


def test_an_enterprise_lists_only_its_own_needs(client, enterprise_user_a, enterprise_user_b):
    need_of(enterprise_user_a, job="焊工")
    need_of(enterprise_user_b, job="叉车工")
    client.force_login(enterprise_user_a)
    page = client.get(reverse("labour:needs")).content.decode()
    assert "焊工" in page and "叉车工" not in page


def test_an_enterprise_reports_a_need_through_the_form(client, enterprise_user_a):
    client.force_login(enterprise_user_a)
    response = client.post(
        reverse("labour:need_create"),
        {"job": "质检员", "positions": 6, "wage_min": 5000, "wage_max": 4000, "start_on": timezone.localdate()},
    )
    assert response.status_code == 200
    assert str(supply.MSG_WAGE_RANGE) in response.content.decode()
    response = client.post(
        reverse("labour:need_create"),
        {
            "job": "质检员",
            "positions": 6,
            "wage_min": 4000,
            "wage_max": 5000,
            "start_on": timezone.localdate(),
            "housing_offered": "on",
        },
    )
    need = LabourNeed.objects.get()
    assert response.status_code == 302 and response.url == reverse("labour:need_detail", args=[need.pk])
    assert (need.job, need.positions, need.housing_offered) == ("质检员", 6, True)


def test_district_staff_record_hires_through_a_pairing(client, enterprise_user_a, district_staff_a):
    need = need_of(enterprise_user_a, positions=4)
    pairing = pairing_of(need, district_staff_a)
    client.force_login(district_staff_a)
    response = client.post(
        reverse("labour:need_hire", args=[need.pk]),
        {"count": 4, "hired_on": timezone.localdate().isoformat(), "pairing": pairing.pk},
    )
    assert response.status_code == 302
    need.refresh_from_db()
    assert (need.hired, need.status) == (4, LabourNeed.Status.CLOSED)
    page = client.get(reverse("labour:pairing_detail", args=[pairing.pk])).content.decode()
    assert 'data-testid="delivered">4<' in page


def test_roles_that_may_not_act_get_403(client, enterprise_user_a, district_staff_a, checkpoint_staff):
    need = need_of(enterprise_user_a)
    client.force_login(district_staff_a)
    assert client.get(reverse("labour:need_edit", args=[need.pk])).status_code == 403
    assert client.get(reverse("labour:need_create")).status_code == 403
    assert client.post(reverse("labour:need_close", args=[need.pk]), {"reason": "x"}).status_code == 403
    client.force_login(enterprise_user_a)
    assert client.get(reverse("labour:pairing_create")).status_code == 403
    assert client.get(reverse("labour:drive_create")).status_code == 403
    assert client.get(reverse("labour:agencies")).status_code == 403
    client.force_login(checkpoint_staff)
    for name in ("labour:needs", "labour:disputes", "labour:figures"):
        assert client.get(reverse(name)).status_code == 403


def test_scheduling_a_drive_to_a_risky_region_shows_the_reason(client, district_staff_a):
    published_risk_list(effective_from=timezone.localdate())
    client.force_login(district_staff_a)
    start = timezone.localdate() + timedelta(days=1)
    response = client.post(
        reverse("labour:drive_create"),
        {"title": "赴武汉招聘", "region": HIGH_RISK_ORIGIN, "starts_on": start, "ends_on": start},
    )
    assert response.status_code == 200 and not RecruitmentDrive.objects.exists()
    assert "只能组织企业赴低风险地区招聘" in response.content.decode()


def test_a_dispute_page_shows_names_masked_and_moves_on(client, district_staff_a, enterprise_user_a):
    dispute = dispute_by(enterprise_user_a, enterprise_user_a.enterprise)
    client.force_login(district_staff_a)
    page = client.get(reverse("labour:dispute_detail", args=[dispute.pk])).content.decode()
    assert "张*丰、李*、王*" in page and "张三丰" not in page
    response = client.post(reverse("labour:dispute_act", args=[dispute.pk, "settle"]), {"settle-comment": ""})
    assert response.status_code == 302
    assert LabourDispute.objects.get(pk=dispute.pk).status == LabourDispute.Status.REPORTED
    client.post(reverse("labour:dispute_act", args=[dispute.pk, "negotiate"]), {"negotiate-comment": ""})
    client.post(reverse("labour:dispute_act", args=[dispute.pk, "settle"]), {"settle-comment": "已足额支付"})
    dispute.refresh_from_db()
    assert (dispute.status, dispute.outcome) == (LabourDispute.Status.SETTLED, "已足额支付")
    assert client.post(reverse("labour:dispute_act", args=[dispute.pk, "bogus"])).status_code == 404


@pytest.fixture
def fresh_rate_limit(settings):
    settings.RATELIMIT_ENABLE = True  # off for every other test (tests/conftest.py)
    cache.clear()
    yield
    cache.clear()


def _public(client, **extra):
    return client.post(
        reverse("labour:complaint_public"),
        {
            "kind": "illegal",
            "target_name": "某黑中介",
            "description": "无证经营, 收取押金。",
            "complainant_name": "路人甲",
            "complainant_mobile": "13912345678",
            **extra,
        },
        REMOTE_ADDR="203.0.113.9",
    )


def test_the_public_complaint_form_works_without_an_account_and_is_rate_limited(client, settings, fresh_rate_limit):
    settings.LABOUR_PUBLIC_COMPLAINT_RATE = "2/h"
    assert client.get(reverse("labour:complaint_public")).status_code == 200
    first = _public(client)
    assert first.status_code == 200 and MarketComplaint.objects.get().reported_by is None
    assert MarketComplaint.objects.get().reference in first.content.decode()
    assert _public(client).status_code == 200
    third = _public(client)
    assert third.status_code == 429 and str(complaint_views.MSG_TOO_MANY) in third.content.decode()
    assert MarketComplaint.objects.count() == 2
    other = client.post(
        reverse("labour:complaint_public"),
        {
            "kind": "illegal",
            "target_name": "某黑中介",
            "description": "同上",
            "complainant_name": "路人乙",
            "complainant_mobile": "13912345679",
        },
        REMOTE_ADDR="203.0.113.10",
    )
    assert other.status_code == 200 and MarketComplaint.objects.count() == 3


def test_bad_public_complaints_are_refused_with_the_reason(client, fresh_rate_limit):
    from core.validators import MSG_MOBILE_INVALID
    from labour.services.complaints import MSG_TARGET_REQUIRED

    response = _public(client, target_name="")
    assert response.status_code == 200 and str(MSG_TARGET_REQUIRED) in response.content.decode()
    response = _public(client, complainant_mobile="12345")
    assert response.status_code == 200 and str(MSG_MOBILE_INVALID) in response.content.decode()
    assert not MarketComplaint.objects.exists()


def test_the_bureau_closes_a_complaint_from_its_page(client, enterprise_user_a):
    complaint = complaint_by(enterprise_user_a)
    bureau = hr_bureau_user()
    client.force_login(bureau)
    client.post(reverse("labour:complaint_accept", args=[complaint.pk]))
    client.post(
        reverse("labour:complaint_close", args=[complaint.pk]),
        {"outcome": "unsubstantiated", "note": "经核查收费合规。"},
    )
    complaint.refresh_from_db()
    assert (complaint.status, complaint.outcome_note) == (MarketComplaint.Status.CLOSED, "经核查收费合规。")
    client.force_login(enterprise_user_a)
    assert "经核查收费合规" in client.get(reverse("labour:complaint_detail", args=[complaint.pk])).content.decode()


# --- exports ------------------------------------------------------------------------------------------------


def _sheet(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    return open_workbook(b"".join(response) if response.streaming else response.content).active


def test_every_list_exports_to_excel(client, enterprise_user_a, district_staff_a):
    need = need_of(enterprise_user_a, job='=HYPERLINK("x")')
    pairing_of(need, district_staff_a)
    drive_by(district_staff_a)
    dispute_by(district_staff_a, enterprise_user_a.enterprise)
    complaint_by(district_staff_a)
    client.force_login(district_staff_a)
    needs = _sheet(client, "labour:needs_export")
    values = [cell.value for row in needs.iter_rows() for cell in row]
    assert '\'=HYPERLINK("x")' in values and enterprise_user_a.enterprise.name in values
    disputes_sheet = [c.value for row in _sheet(client, "labour:disputes_export").iter_rows() for c in row]
    assert "张*丰、李*、王*" in disputes_sheet and not any("张三丰" in str(v) for v in disputes_sheet)
    assert "赴广安招聘" in [c.value for row in _sheet(client, "labour:drives_export").iter_rows() for c in row]
    assert "某劳务中介" in [c.value for row in _sheet(client, "labour:complaints_export").iter_rows() for c in row]
    pairings = [c.value for row in _sheet(client, "labour:pairings_export").iter_rows() for c in row]
    assert need.enterprise.name in pairings
    assert any(
        str(v).startswith("昆山测试人力资源")
        for row in _sheet(client, "labour:agencies_export").iter_rows()
        for v in (c.value for c in row)
    )
    figures = [c.value for row in _sheet(client, "labour:figures_export").iter_rows() for c in row]
    assert district_staff_a.district.name in figures


def test_the_daily_report_shows_the_shortage_from_open_positions(client, enterprise_user_a):
    need_of(enterprise_user_a, positions=7)
    client.force_login(enterprise_user_a)
    page = client.get(reverse("workforce:report")).content.decode()
    assert "用工缺口: 7 人(1 个招聘中岗位" in page


def test_the_daily_workbook_carries_the_labour_table(enterprise_user_a, district_staff_a):
    from workforce.services import daily_summary_build
    from workforce.workbook import LABOUR_HEADING, daily_summary_workbook

    need = need_of(enterprise_user_a, positions=9)
    supply.labour_hire_record(need=need, count=2, hired_on=timezone.localdate(), recorded_by=enterprise_user_a)
    daily_summary_build(day=timezone.localdate())
    book = open_workbook(daily_summary_workbook(day=timezone.localdate()))
    rows = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    start = next(i for i, row in enumerate(rows) if row[0] == str(LABOUR_HEADING))
    district_row = next(row for row in rows[start:] if row[0] == district_staff_a.district.name)
    assert district_row[1:7] == [7, 2, 2, 0, 0, 0]
    assert rows[-1][:7] == ["合计", 7, 2, 2, 0, 0, 0]


def test_partner_regions_page_marks_the_demo_list(client, enterprise_user_a):
    from labour.services.drives import partner_region_demo_load

    partner_region_demo_load()
    client.force_login(enterprise_user_a)
    page = client.get(reverse("labour:regions")).content.decode()
    assert 'data-testid="demo-regions"' in page and "四川省广安市广安区" in page


def test_region_suggestions(client, district_staff_a):
    client.force_login(district_staff_a)
    assert "511602" in client.get(reverse("labour:region_options"), {"region": "广安区"}).content.decode()


def test_agency_registration_form(client, district_staff_a):
    client.force_login(district_staff_a)
    response = client.post(
        reverse("labour:agency_create"),
        {
            "name": "昆山张浦人力资源有限公司",
            "credit_code": "91320583MA0000001X",
            "licence_number": "HR1",
            "contact_name": "钱",
            "contact_mobile": "13800001111",
            "is_active": "on",
            "region_codes": "511602 999999",
        },
    )
    assert response.status_code == 200 and "999999" in response.content.decode()
    agency = agency_by(district_staff_a)
    response = client.post(
        reverse("labour:agency_edit", args=[agency.pk]),
        {
            "name": "改名后的机构",
            "credit_code": agency.credit_code,
            "licence_number": "HR2",
            "contact_name": "钱",
            "contact_mobile": "13800001111",
            "is_active": "on",
            "region_codes": "511602 511623",
        },
    )
    assert response.status_code == 302
    agency.refresh_from_db()
    assert agency.name == "改名后的机构" and agency.regions.count() == 2


def test_dispute_form_for_an_enterprise_user(client, enterprise_user_a):
    client.force_login(enterprise_user_a)
    response = client.post(
        reverse("labour:dispute_create"),
        {
            "enterprise": enterprise_user_a.enterprise_id,
            "kind": "resumption",
            "workers_involved": 2,
            "worker_names": "赵一, 钱二",
            "amount": "0",
            "description": "复工安排有分歧",
        },
    )
    dispute = LabourDispute.objects.get()
    assert response.status_code == 302 and dispute.worker_names == "赵一、钱二"
    assert dispute.source == LabourDispute.Source.ENTERPRISE
    assert disputes.available_actions(dispute, enterprise_user_a) == []


def test_the_figures_are_cached_for_a_minute_per_scope(
    client, enterprise_user_a, district_staff_a, commander, django_assert_max_num_queries
):
    need_of(enterprise_user_a, positions=3)
    client.force_login(commander)
    assert 'data-testid="labour-districts"' in client.get(reverse("labour:figures")).content.decode()
    with django_assert_max_num_queries(4):  # session, user, notifications: no figure computed
        client.get(reverse("labour:figures"))
    client.force_login(district_staff_a)
    page = client.get(reverse("labour:figures")).content.decode()  # another scope computes its own
    assert "张浦镇" in page


def test_the_minute_task_leaves_the_city_figures_ready(
    client, enterprise_user_a, commander, django_assert_max_num_queries
):
    from labour.tasks import refresh_labour_figures

    need_of(enterprise_user_a, positions=6)
    refresh_labour_figures.delay()
    client.force_login(hr_bureau_user())  # the bureau sees the whole city, so it shares the city's figures
    client.get(reverse("portal:home"))
    with django_assert_max_num_queries(5):  # session, user, its authority, notifications: no figure computed
        page = client.get(reverse("labour:figures")).content.decode()
    assert 'data-testid="labour-totals"' in page and ">6<" in page


def test_the_dashboards_load_the_labour_section_for_their_scope(
    client, enterprise_user_a, enterprise_user_b, district_staff_a, commander
):
    need_of(enterprise_user_a, positions=3)
    need_of(enterprise_user_b, positions=8)
    client.force_login(commander)
    city = client.get(reverse("dashboard:city")).content.decode()
    assert reverse("labour:dashboard_section") in city
    district_page = client.get(reverse("dashboard:district", args=[district_staff_a.district_id])).content.decode()
    assert f"{reverse('labour:dashboard_section')}?district={district_staff_a.district_id}" in district_page
    section = client.get(reverse("labour:dashboard_section"), {"district": district_staff_a.district_id})
    assert "张浦镇" in section.content.decode() and "昆山开发区" not in section.content.decode()
    client.force_login(district_staff_a)
    section = client.get(reverse("labour:dashboard_section")).content.decode()
    assert "张浦镇" in section and "昆山开发区" not in section


def test_pairing_starts_from_an_open_position_of_the_district(
    client, enterprise_user_a, enterprise_user_b, district_staff_a
):
    from labour.models import Pairing
    from labour.views.supply import MSG_PICK_NEED

    need, other = need_of(enterprise_user_a), need_of(enterprise_user_b)
    agency = agency_by(district_staff_a)
    client.force_login(district_staff_a)
    response = client.get(reverse("labour:pairing_create"), follow=True)
    assert str(MSG_PICK_NEED) in response.content.decode()
    assert client.get(reverse("labour:pairing_create"), {"need": other.pk}).status_code == 302  # not its district
    url = f"{reverse('labour:pairing_create')}?need={need.pk}"
    page = client.get(url).content.decode()
    assert enterprise_user_a.enterprise.name in page and need.job in page
    response = client.post(url, {"agency": agency.pk, "needs": [need.pk], "note": "先输送 5 人"})
    pairing = Pairing.objects.get()
    assert response.status_code == 302 and response.url == reverse("labour:pairing_detail", args=[pairing.pk])
    assert (pairing.enterprise, list(pairing.needs.all())) == (enterprise_user_a.enterprise, [need])
