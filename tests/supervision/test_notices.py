"""Public notices (通报): a commander drafts, a second commander approves, every staff account reads; withdrawn
with a reason, never edited in place."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import Notification
from supervision import services
from supervision.models import Notice, NoticeEvent, NoticeRead
from tests.excel_helpers import open_workbook
from tests.factories import UserFactory
from tests.supervision.helpers import drafted_notice, finding_of, pending_notice, published_notice, subject

pytestmark = pytest.mark.django_db


@pytest.fixture
def drafter(db):
    return UserFactory(role="commander", full_name="起草指挥")


@pytest.fixture
def approver(db):
    return UserFactory(role="commander", full_name="审批指挥")


def test_the_drafter_cannot_approve_their_own_notice(drafter, district_a):
    notice = pending_notice(drafter, district_a)
    with pytest.raises(PermissionDenied) as error:
        services.notice_publish(notice=notice, approved_by=drafter)
    assert str(error.value) == str(services.MSG_TWO_PERSON_RULE)
    notice.refresh_from_db()
    assert notice.status == Notice.Status.PENDING and notice.number is None


def test_the_database_refuses_a_notice_approved_by_its_drafter(drafter, district_a):
    notice = drafted_notice(drafter, district_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.filter(pk=notice.pk).update(approved_by=drafter)


def test_only_commanders_draft_and_approve(district_staff_a, drafter, district_a):
    with pytest.raises(PermissionDenied):
        drafted_notice(district_staff_a, district_a)
    notice = pending_notice(drafter, district_a)
    with pytest.raises(PermissionDenied):
        services.notice_publish(notice=notice, approved_by=UserFactory(admin=True))


def test_a_second_commander_publishes_it_with_a_number_and_every_staff_account_is_told(
    drafter, approver, district_a, district_staff_b, enterprise_user_a, checkpoint_staff
):
    finding = finding_of(enterprise_user_a.enterprise, UserFactory(district_staff=True, district=district_a))
    notice = published_notice(drafter, approver, district_a, findings=[finding])
    assert notice.status == Notice.Status.PUBLISHED and notice.approved_by == approver
    assert notice.number.startswith("昆防指督通〔") and notice.number.endswith("〕1号")
    assert list(notice.findings.all()) == [finding]
    assert [(e.from_status, e.to_status) for e in NoticeEvent.objects.filter(notice=notice)] == [
        ("draft", "pending"),
        ("pending", "published"),
    ]
    told = set(Notification.objects.filter(title__startswith="通报:").values_list("user_id", flat=True))
    assert {district_staff_b.pk, checkpoint_staff.pk, drafter.pk} <= told and enterprise_user_a.pk not in told


def test_a_submitted_notice_needs_a_named_unit(drafter):
    notice = services.notice_draft_create(drafted_by=drafter, title="t", body="b", subjects=[])
    with pytest.raises(ValidationError) as error:
        services.notice_submit(notice=notice, submitted_by=drafter)
    assert error.value.messages == [str(services.MSG_NOTICE_NO_SUBJECTS)]


def test_a_returned_notice_goes_back_to_its_drafter_with_the_reason(drafter, approver, district_a):
    notice = pending_notice(drafter, district_a)
    with pytest.raises(ValidationError):
        services.notice_return(notice=notice, returned_by=approver, comment="")
    notice = services.notice_return(notice=notice, returned_by=approver, comment="事实不清")
    assert notice.status == Notice.Status.DRAFT
    assert Notification.objects.filter(user=drafter, body="事实不清").exists()
    services.notice_draft_update(
        notice=notice, updated_by=drafter, title="改后标题", body="b", subjects=[subject(district_a, unit="改后单位")]
    )
    assert list(notice.subjects.values_list("unit_name", flat=True)) == ["改后单位"]


def test_a_published_notice_is_never_edited_only_withdrawn_with_a_reason(client, drafter, approver, district_a):
    notice = published_notice(drafter, approver, district_a)
    with pytest.raises(ValidationError) as error:
        services.notice_draft_update(notice=notice, updated_by=drafter, title="x", body="y", subjects=[])
    assert error.value.code == "illegal"
    with pytest.raises(ValidationError) as error:
        services.notice_withdraw(notice=notice, withdrawn_by=approver, reason=" ")
    assert error.value.messages == [str(services.MSG_WITHDRAW_REASON_REQUIRED)]
    notice = services.notice_withdraw(notice=notice, withdrawn_by=approver, reason="所列单位已整改, 经研究撤回")
    assert notice.status == Notice.Status.WITHDRAWN and notice.title == "关于部分单位防控落实不力的通报"
    client.force_login(drafter)
    response = client.get(reverse("supervision:notice_edit", args=[notice.pk]))
    assert response.status_code == 302
    printed = client.get(reverse("supervision:notice_print", args=[notice.pk])).content.decode()
    assert "所列单位已整改, 经研究撤回" in printed


def test_district_staff_read_published_notices_but_not_drafts(client, drafter, approver, district_a, district_staff_b):
    draft = drafted_notice(drafter, district_a)
    published = published_notice(drafter, approver, district_a)
    client.force_login(district_staff_b)
    assert client.get(reverse("supervision:notice_detail", args=[draft.pk])).status_code == 404
    response = client.get(reverse("supervision:notice_detail", args=[published.pk]))
    assert response.status_code == 200 and "张浦镇某社区" in response.content.decode()
    assert NoticeRead.objects.filter(notice=published, user=district_staff_b).count() == 1
    client.get(reverse("supervision:notice_detail", args=[published.pk]))
    assert NoticeRead.objects.filter(notice=published).count() == 1
    assert client.get(reverse("supervision:notice_print", args=[published.pk])).status_code == 403
    assert (
        client.post(
            reverse("supervision:notice_act", args=[published.pk, "withdraw"]), {"withdraw-text": "x"}
        ).status_code
        == 403
    )
    listed = client.get(reverse("supervision:notice_list")).content.decode()
    assert published.title in listed and "草稿" not in listed


def test_enterprises_never_see_notices(client, drafter, approver, district_a, enterprise_user_a):
    published = published_notice(drafter, approver, district_a)
    client.force_login(enterprise_user_a)
    assert client.get(reverse("supervision:notice_list")).status_code == 403
    assert client.get(reverse("supervision:notice_detail", args=[published.pk])).status_code == 404


def test_the_pages_take_a_notice_from_draft_to_print(client, drafter, approver, district_a):
    client.force_login(drafter)
    response = client.post(
        reverse("supervision:notice_new"),
        {
            "title": "关于张浦镇某社区卡口值守敷衍应付的通报",
            "body": "经督导发现。",
            "subjects-TOTAL_FORMS": "1",
            "subjects-INITIAL_FORMS": "0",
            "subjects-MIN_NUM_FORMS": "1",
            "subjects-MAX_NUM_FORMS": "50",
            "subjects-0-failing": "perfunctory",
            "subjects-0-district": district_a.pk,
            "subjects-0-unit_name": "张浦镇某社区",
            "subjects-0-person_name": "王某",
            "subjects-0-person_title": "书记",
            "subjects-0-facts": "卡口无人值守",
        },
    )
    notice = Notice.objects.get()
    assert response.status_code == 302 and notice.drafted_by == drafter
    client.post(reverse("supervision:notice_act", args=[notice.pk, "submit"]), {"submit-text": ""})
    own = client.get(reverse("supervision:notice_detail", args=[notice.pk]))
    assert list(own.context["forms"]) == []  # the drafter has nothing left to do
    client.force_login(approver)
    assert list(client.get(reverse("supervision:notice_detail", args=[notice.pk])).context["forms"]) == [
        "publish",
        "return",
    ]
    client.post(reverse("supervision:notice_act", args=[notice.pk, "publish"]), {"publish-text": "同意"})
    notice.refresh_from_db()
    assert notice.status == Notice.Status.PUBLISHED
    printed = client.get(reverse("supervision:notice_print", args=[notice.pk]))
    assert printed.status_code == 200 and notice.number in printed.content.decode()
    rows = [
        [c.value for c in row]
        for row in open_workbook(client.get(reverse("supervision:notice_export")).content).active.iter_rows()
    ]
    header = next(i for i, row in enumerate(rows) if row[0] == "通报编号")
    assert rows[header + 1][0] == notice.number and rows[header + 1][4] == "张浦镇某社区(敷衍应付)"


def test_the_drafter_is_refused_on_the_page_too(client, drafter, district_a):
    notice = pending_notice(drafter, district_a)
    client.force_login(drafter)
    response = client.post(reverse("supervision:notice_act", args=[notice.pk, "publish"]), {"publish-text": ""})
    assert response.status_code == 403
    notice.refresh_from_db()
    assert notice.status == Notice.Status.PENDING
