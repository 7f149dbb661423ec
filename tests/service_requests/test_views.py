"""The pages: raising with attachments, the detail's actions per role, the queue, the lists and landing pages."""

import pytest
from django.urls import reverse

from core.uploads import MSG_NOT_ALLOWED
from service_requests import services
from service_requests.models import ServiceRequest
from tests.service_requests.helpers import PDF, answered, pdf, raised

pytestmark = pytest.mark.django_db


def test_an_enterprise_raises_a_request_with_attachments_and_sees_them_served_by_a_scoped_view(
    client, enterprise_user_a, official_a
):
    client.force_login(enterprise_user_a)
    assert client.get(reverse("service_requests:raise")).status_code == 200
    response = client.post(
        reverse("service_requests:raise"),
        {
            "category": "labour",
            "urgency": "urgent",
            "title": "缺少焊工",
            "text": "需要 20 名焊工。",
            "attachments": [pdf("用工缺口.pdf"), pdf("名单.pdf")],
        },
    )
    request = ServiceRequest.objects.get()
    assert response.status_code == 302 and response.url == reverse("service_requests:detail", args=[request.pk])
    assert (request.owner_user, request.urgency, request.attachments.count()) == (official_a, "urgent", 2)
    attachment = request.attachments.first()
    served = client.get(reverse("service_requests:attachment", args=[attachment.pk]))
    assert served["Content-Type"] == "application/pdf" and b"".join(served.streaming_content) == PDF


def test_a_file_of_the_wrong_kind_is_refused_with_the_shared_message(client, enterprise_user_a, official_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(enterprise_user_a)
    response = client.post(
        reverse("service_requests:raise"),
        {
            "category": "labour",
            "urgency": "normal",
            "title": "t",
            "text": "x",
            "attachments": [SimpleUploadedFile("a.pdf", b"<html><script>alert(1)</script>")],
        },
    )
    assert response.status_code == 200 and not ServiceRequest.objects.exists()
    kinds = "、".join(str(k.label) for k in __import__("core.uploads", fromlist=["UploadKind"]).UploadKind)
    assert str(MSG_NOT_ALLOWED.format(kinds=kinds)) in response.content.decode()


def test_staff_raise_on_behalf_by_credit_code(client, district_staff_a, enterprise_a, enterprise_b, official_a):
    client.force_login(district_staff_a)
    data = {
        "credit_code": enterprise_b.credit_code,
        "channel": "visit",
        "category": "finance",
        "urgency": "normal",
        "title": "走访收集",
        "text": "资金困难。",
    }
    response = client.post(reverse("service_requests:raise"), data)
    assert "您的工作范围内没有" in response.content.decode() and not ServiceRequest.objects.exists()
    client.post(reverse("service_requests:raise"), {**data, "credit_code": enterprise_a.credit_code})
    request = ServiceRequest.objects.get()
    assert (request.enterprise, request.channel, request.raised_by) == (enterprise_a, "visit", district_staff_a)


def test_the_capacity_report_offers_turning_its_blocker_into_a_request(client, enterprise_user_a):
    from django.utils import timezone

    from workforce.models import CapacityReport

    enterprise = enterprise_user_a.enterprise
    enterprise.is_above_scale = True
    enterprise.save(update_fields=["is_above_scale"])
    report = CapacityReport.objects.create(
        enterprise=enterprise,
        day=timezone.localdate(),
        capacity_percent=60,
        staff_on_site=50,
        electricity_kwh=100,
        orders_on_hand=10,
        blockers="外地配件供应商尚未复工。",
        submitted_by=enterprise_user_a,
        submitted_at=timezone.now(),
    )
    client.force_login(enterprise_user_a)
    page = client.get(reverse("workforce:report")).content.decode()
    link = f"{reverse('service_requests:raise')}?capacity={report.pk}"
    assert 'data-testid="blocker-to-request"' in page and link in page
    form = client.get(link).content.decode()
    assert "外地配件供应商尚未复工。" in form and 'data-testid="from-capacity"' in form


def test_the_handler_answers_on_the_page_and_the_enterprise_confirms(client, enterprise_user_a, official_a):
    request = raised(enterprise_user_a)
    client.force_login(official_a)
    page = client.get(reverse("service_requests:detail", args=[request.pk])).content.decode()
    assert 'data-testid="handler-actions"' in page
    client.post(reverse("service_requests:act", args=[request.pk, "answer"]), {"answer": "已对接人力资源机构。"})
    client.force_login(enterprise_user_a)
    page = client.get(reverse("service_requests:detail", args=[request.pk])).content.decode()
    assert 'data-testid="confirm-actions"' in page and "已对接人力资源机构。" in page
    client.post(reverse("service_requests:act", args=[request.pk, "confirm"]), {"rating": "satisfied"})
    request.refresh_from_db()
    assert (request.status, request.rating) == ("closed", "satisfied")


def test_a_commander_reads_but_cannot_act(client, enterprise_user_a, official_a, commander):
    request = raised(enterprise_user_a)
    client.force_login(commander)
    page = client.get(reverse("service_requests:detail", args=[request.pk])).content.decode()
    assert 'data-testid="handler-actions"' not in page
    response = client.post(reverse("service_requests:act", args=[request.pk, "answer"]), {"answer": "x"}, follow=True)
    assert str(services.MSG_NOT_HANDLER) in response.content.decode()
    request.refresh_from_db()
    assert request.status == "submitted"


def test_a_department_sees_only_what_was_routed_to_it(client, enterprise_user_a, official_a, gxj_staff):
    mine = raised(enterprise_user_a, category="overreach")  # routed to 工信局
    not_mine = raised(enterprise_user_a)  # with the district official
    client.force_login(gxj_staff)
    listing = client.get(reverse("service_requests:list")).content.decode()
    assert reverse("service_requests:detail", args=[mine.pk]) in listing
    assert reverse("service_requests:detail", args=[not_mine.pk]) not in listing
    assert client.get(reverse("service_requests:detail", args=[not_mine.pk])).status_code == 404
    queue = client.get(reverse("service_requests:queue")).content.decode()
    assert reverse("service_requests:detail", args=[mine.pk]) in queue


def test_unknown_actions_are_404(client, enterprise_user_a, official_a):
    request = raised(enterprise_user_a)
    client.force_login(official_a)
    assert client.post(reverse("service_requests:act", args=[request.pk, "approve"])).status_code == 404


def test_each_role_sees_requests_on_its_landing_page(client, enterprise_user_a, official_a, commander):
    answered(enterprise_user_a, official_a)
    raised(enterprise_user_a, category="overreach", title="村口再隔离")
    client.force_login(enterprise_user_a)
    assert "已答复, 请确认" in client.get(reverse("portal:home")).content.decode()
    client.force_login(official_a)
    assert 'data-testid="requests-todo"' in client.get(reverse("portal:home")).content.decode()
    client.force_login(commander)
    page = client.get(reverse("portal:home")).content.decode()
    assert 'data-testid="overreach"' in page and "村口再隔离" in page


def test_the_queue_and_lists_run_the_same_queries_for_more_rows(
    client, enterprise_user_a, official_a, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    raised(enterprise_user_a)
    client.force_login(official_a)
    urls = [reverse("service_requests:queue"), reverse("service_requests:list"), reverse("service_requests:figures")]
    for url in urls:
        client.get(url)

    def count(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    before = {url: count(url) for url in urls}
    for _ in range(5):
        raised(enterprise_user_a, category="finance")
    assert {url: count(url) for url in urls} == before
