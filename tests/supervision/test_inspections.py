"""Clause 14: checklists as versioned data, inspection rounds, visits on a phone, findings, re-inspection and
escalation of overdue rectification."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from reference.models import Community, District
from supervision import services
from supervision.models import Checklist, Finding, FindingEvent, InspectionVisit, VisitItemResult, VisitPhoto
from tests.excel_helpers import open_workbook, xlsx_upload
from tests.factories import EnterpriseFactory, UserFactory
from tests.supervision.helpers import (
    answers_for,
    finding_of,
    jpeg_upload,
    planned_round,
    png_upload,
    published_checklist,
    recorded_visit,
)

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _rows(response):
    sheet = open_workbook(response.content).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    return rows


# --- checklists ------------------------------------------------------------------------------------


def test_a_published_checklist_cannot_be_changed(admin_user):
    checklist = published_checklist(by=admin_user)
    with pytest.raises(ValidationError) as error:
        services.checklist_item_add(draft=checklist, added_by=admin_user, number=9, text="新增")
    assert error.value.messages == [str(services.MSG_CHECKLIST_READ_ONLY)]


def test_an_empty_checklist_cannot_be_published(commander):
    draft = services.checklist_draft_create(
        created_by=commander, title="空", source_document="无", effective_from=dt.date(2020, 3, 1)
    )
    with pytest.raises(ValidationError) as error:
        services.checklist_publish(draft=draft, published_by=commander)
    assert error.value.messages == [str(services.MSG_CHECKLIST_EMPTY)]


def test_only_commanders_and_administrators_manage_checklists(client, district_staff_a, commander):
    with pytest.raises(PermissionDenied):
        services.checklist_draft_create(
            created_by=district_staff_a, title="x", source_document="y", effective_from=dt.date(2020, 3, 1)
        )
    client.force_login(district_staff_a)
    assert client.get(reverse("supervision:checklist_manage")).status_code == 403
    client.force_login(commander)
    assert client.get(reverse("supervision:checklist_manage")).status_code == 200


def test_a_new_draft_copies_the_version_in_force_and_exports_round_trip(client, admin_user):
    old = published_checklist(by=admin_user)
    draft = services.checklist_draft_create(
        created_by=admin_user,
        title="第二版",
        source_document="昆防指〔2020〕21号",
        effective_from=dt.date(2020, 4, 1),
        copy_from=old,
    )
    assert list(draft.items.values_list("number", "text")) == list(old.items.values_list("number", "text"))
    client.force_login(admin_user)
    exported = client.get(reverse("supervision:checklist_export", args=[old.pk])).content
    fresh = services.checklist_draft_create(
        created_by=admin_user, title="导入", source_document="x", effective_from=dt.date(2020, 5, 1)
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    outcome = services.checklist_import(
        draft=fresh, upload=SimpleUploadedFile("c.xlsx", exported), imported_by=admin_user
    )
    assert outcome.result.ok, outcome.result.errors
    assert list(fresh.items.values_list("number", "target_kind", "text", "rectify_working_days")) == list(
        old.items.values_list("number", "target_kind", "text", "rectify_working_days")
    )


@pytest.mark.parametrize(
    ("upload", "expected"),
    [
        (xlsx_upload(["序号", "适用对象", "检查内容", "整改期限(工作日)"], [[1, "工厂", "x", 3]]), "适用对象请填写"),
        (xlsx_upload(["序号", "适用对象", "检查内容", "整改期限(工作日)"], [["一", "企业", "x", 3]]), None),
        (
            xlsx_upload(
                ["序号", "适用对象", "检查内容", "整改期限(工作日)"], [[1, "企业", "x", 3], [1, "企业", "y", 3]]
            ),
            "与第 2 行的序号重复",
        ),
    ],
)
def test_a_checklist_import_with_a_bad_cell_writes_nothing(admin_user, upload, expected):
    draft = services.checklist_draft_create(
        created_by=admin_user, title="t", source_document="s", effective_from=dt.date(2020, 5, 1)
    )
    outcome = services.checklist_import(draft=draft, upload=upload, imported_by=admin_user)
    assert not outcome.result.ok and not draft.items.exists()
    if expected:
        assert any(expected in e.message for e in outcome.result.errors), outcome.result.errors


@pytest.mark.parametrize(
    "upload",
    [
        xlsx_upload(["编号", "内容"], [[1, "x"]]),  # bad header
        xlsx_upload(["序号", "适用对象", "检查内容", "整改期限(工作日)"], []),  # empty
    ],
)
def test_a_checklist_import_with_a_bad_header_or_no_rows_is_refused(client, admin_user, upload):
    draft = services.checklist_draft_create(
        created_by=admin_user, title="t", source_document="s", effective_from=dt.date(2020, 5, 1)
    )
    client.force_login(admin_user)
    response = client.post(reverse("supervision:checklist_import", args=[draft.pk]), {"file": upload})
    assert response.status_code == 200 and not draft.items.exists()


def test_a_file_that_is_not_excel_is_refused_by_the_import_page(client, admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    draft = services.checklist_draft_create(
        created_by=admin_user, title="t", source_document="s", effective_from=dt.date(2020, 5, 1)
    )
    client.force_login(admin_user)
    response = client.post(
        reverse("supervision:checklist_import", args=[draft.pk]),
        {"file": SimpleUploadedFile("c.xlsx", b"%PDF-1.4 not a workbook")},
    )
    assert response.status_code == 200 and response.context["form"].errors["file"]
    assert not draft.items.exists()


# --- rounds ----------------------------------------------------------------------------------------


def test_a_round_needs_a_checklist_in_force(district_staff_a, enterprise_a):
    with pytest.raises(ValidationError) as error:
        services.inspection_round_plan(
            planned_by=district_staff_a,
            title="t",
            target_kind="enterprise",
            starts_on=dt.date(2020, 3, 2),
            ends_on=dt.date(2020, 3, 5),
            inspectors=[district_staff_a],
            targets=[enterprise_a],
        )
    assert error.value.message_dict["starts_on"] == [str(services.MSG_NO_CHECKLIST % {"day": "2020-03-02"})]


def test_a_district_round_inspects_only_its_own_district(district_staff_a, enterprise_b):
    published_checklist()
    with pytest.raises(ValidationError) as error:
        planned_round(district_staff_a, targets=[enterprise_b])
    assert error.value.message_dict["targets"] == [
        str(services.MSG_TARGET_OUTSIDE_DISTRICT % {"name": str(enterprise_b)})
    ]


def test_a_district_round_takes_no_inspector_of_another_district(district_staff_a, district_staff_b, enterprise_a):
    with pytest.raises(ValidationError) as error:
        planned_round(district_staff_a, targets=[enterprise_a], inspectors=[district_staff_b])
    assert error.value.message_dict["inspectors"] == [
        str(services.MSG_INSPECTOR_NOT_ALLOWED % {"name": district_staff_b.display_name})
    ]


def test_enterprises_cannot_plan_rounds(enterprise_user_a, enterprise_a):
    published_checklist()
    with pytest.raises(PermissionDenied):
        planned_round(enterprise_user_a, targets=[enterprise_a])


def test_the_command_plans_a_city_round_of_communities_and_district_offices(commander, district_staff_b):
    communities = list(Community.objects.filter(district__code__in=["zhangpu", "kfq"])[:2])
    inspection_round = planned_round(
        commander, targets=communities, kind="community", inspectors=[commander, district_staff_b]
    )
    assert inspection_round.district is None
    assert sorted(inspection_round.visits.values_list("district__code", flat=True)) == sorted(
        c.district.code for c in communities
    )
    offices = planned_round(
        commander, targets=list(District.objects.filter(code__in=["zhangpu", "kfq"])), kind="district"
    )
    assert offices.visits.count() == 2


def test_the_round_form_plans_a_round_by_credit_codes(client, district_staff_a, enterprise_a):
    published_checklist()
    client.force_login(district_staff_a)
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("supervision:round_new"),
        {
            "title": "张浦镇复工企业防控专项督导",
            "target_kind": "enterprise",
            "starts_on": today,
            "ends_on": today,
            "inspectors": [district_staff_a.pk],
            "enterprises": f"{enterprise_a.credit_code}\n",
        },
    )
    visit = InspectionVisit.objects.get()
    assert (
        response.status_code == 302
        and visit.enterprise == enterprise_a
        and visit.round.district_id == (district_staff_a.district_id)
    )


def test_the_round_form_names_unknown_credit_codes(client, district_staff_a, enterprise_b):
    published_checklist()
    client.force_login(district_staff_a)
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("supervision:round_new"),
        {
            "title": "t",
            "target_kind": "enterprise",
            "starts_on": today,
            "ends_on": today,
            "inspectors": [district_staff_a.pk],
            "enterprises": enterprise_b.credit_code,
        },
    )
    assert response.status_code == 200 and enterprise_b.credit_code in response.content.decode()
    assert not InspectionVisit.objects.exists()


# --- visits ----------------------------------------------------------------------------------------


def test_recording_a_visit_makes_findings_with_deadlines_in_working_days(
    district_staff_a, enterprise_a, enterprise_user_a
):
    # Thursday 30 April 2020: 1-5 May is the Labour Day holiday, so two working days later is Thursday 7 May.
    with time_machine.travel(dt.datetime(2020, 4, 30, 10, 0, tzinfo=SHANGHAI), tick=False):
        inspection_round = planned_round(district_staff_a, targets=[enterprise_a])
        visit = inspection_round.visits.get()
        recorded_visit(
            visit,
            district_staff_a,
            failed={2: "体温登记表缺 3 天"},
            photos={2: [png_upload(), jpeg_upload()]},
            summary="总体较好",
        )
    visit.refresh_from_db()
    assert visit.status == InspectionVisit.Status.DONE and visit.inspector == district_staff_a
    finding = Finding.objects.get()
    assert finding.description == "体温登记表缺 3 天" and finding.enterprise == enterprise_a
    assert timezone.localtime(finding.deadline) == dt.datetime(2020, 5, 7, 10, 0, tzinfo=SHANGHAI)
    assert VisitItemResult.objects.filter(visit=visit).count() == 2  # the "all" item and the enterprise item
    assert sorted(VisitPhoto.objects.values_list("file_kind", flat=True)) == ["jpg", "png"]
    assert Notification.objects.filter(user=enterprise_user_a, title__contains="2020-05-07").exists()


def test_every_item_must_be_answered_and_a_failed_one_explained(district_staff_a, enterprise_a):
    visit = planned_round(district_staff_a, targets=[enterprise_a]).visits.get()
    answers = answers_for(visit)
    first = next(iter(answers))
    answers[first] = services.ItemAnswer(passed=None)
    with pytest.raises(ValidationError) as error:
        services.inspection_visit_record(visit=visit, inspector=district_staff_a, answers=answers)
    assert "还没有选择合格或不合格" in error.value.messages[0]
    answers[first] = services.ItemAnswer(passed=False, note="  ")
    with pytest.raises(ValidationError) as error:
        services.inspection_visit_record(visit=visit, inspector=district_staff_a, answers=answers)
    assert "不合格的检查项须写明问题" in error.value.messages[0]
    assert InspectionVisit.objects.get().status == InspectionVisit.Status.PLANNED


def test_only_the_rounds_inspectors_record_and_only_once(district_a, district_staff_a, enterprise_a):
    colleague = UserFactory(district_staff=True, district=district_a)
    visit = planned_round(district_staff_a, targets=[enterprise_a]).visits.get()
    with pytest.raises(PermissionDenied):
        recorded_visit(visit, colleague)
    recorded_visit(visit, district_staff_a)
    with pytest.raises(ValidationError) as error:
        recorded_visit(visit, district_staff_a)
    assert error.value.messages == [str(services.MSG_VISIT_DONE)]


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_is_recorded(district_staff_a, enterprise_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    visit = planned_round(district_staff_a, targets=[enterprise_a]).visits.get()
    with pytest.raises(ValidationError):
        recorded_visit(visit, district_staff_a, photos={1: [SimpleUploadedFile("a.jpg", b"%PDF-1.4 x")]})
    assert InspectionVisit.objects.get().status == InspectionVisit.Status.PLANNED
    assert not VisitPhoto.objects.exists()


def test_the_phone_form_records_results_notes_and_photos(client, district_staff_a, enterprise_a):
    visit = planned_round(district_staff_a, targets=[enterprise_a]).visits.get()
    items = services.checklist_items_for(visit.round.checklist_id, visit.target_kind)
    client.force_login(district_staff_a)
    page = client.get(reverse("supervision:visit_record", args=[visit.pk]))
    assert page.status_code == 200 and items[0].text in page.content.decode()
    data = {
        f"result_{items[0].pk}": "pass",
        f"result_{items[1].pk}": "fail",
        f"note_{items[1].pk}": "未测体温",
        f"photos_{items[1].pk}": png_upload(),
        "summary": "限期整改",
    }
    response = client.post(reverse("supervision:visit_record", args=[visit.pk]), data)
    assert response.status_code == 302
    assert Finding.objects.get().description == "未测体温" and VisitPhoto.objects.get().item == items[1]
    photo = client.get(reverse("supervision:visit_photo", args=[VisitPhoto.objects.get().pk]))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"


def test_the_phone_form_says_what_is_missing(client, district_staff_a, enterprise_a):
    visit = planned_round(district_staff_a, targets=[enterprise_a]).visits.get()
    client.force_login(district_staff_a)
    response = client.post(reverse("supervision:visit_record", args=[visit.pk]), {"summary": ""})
    assert response.status_code == 200 and "还没有选择合格或不合格" in response.content.decode()


def test_visit_lists_and_exports_are_scoped_and_count_findings(
    client, district_staff_a, district_staff_b, enterprise_a
):
    visit = planned_round(district_staff_a, targets=[enterprise_a], title="张浦专项").visits.get()
    recorded_visit(visit, district_staff_a, failed={2: "问题"})
    client.force_login(district_staff_a)
    assert enterprise_a.name in client.get(reverse("supervision:visit_list")).content.decode()
    rows = _rows(client.get(reverse("supervision:visit_export")))
    header = next(i for i, row in enumerate(rows) if row[0] == "专项督导")
    assert rows[header + 1][0] == "张浦专项" and rows[header + 1][2] == enterprise_a.name and rows[header + 1][8] == 1
    rounds = _rows(client.get(reverse("supervision:round_export")))
    header = next(i for i, row in enumerate(rounds) if row[0] == "督导名称")
    assert rounds[header + 1][6:9] == [1, 1, 1]
    client.force_login(district_staff_b)
    assert enterprise_a.name not in client.get(reverse("supervision:visit_list")).content.decode()


def test_the_visit_list_costs_the_same_queries_for_one_or_many_visits(
    client, district_staff_a, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    enterprises = EnterpriseFactory.create_batch(12)
    inspection_round = planned_round(district_staff_a, targets=enterprises[:1])
    recorded_visit(inspection_round.visits.get(), district_staff_a, failed={2: "x"})
    client.force_login(district_staff_a)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("supervision:visit_list"))
    services.inspection_round_targets_add(
        inspection_round=inspection_round, added_by=district_staff_a, targets=enterprises[1:]
    )
    for visit in inspection_round.visits.filter(status="planned")[:5]:
        recorded_visit(visit, district_staff_a, failed={2: "y"})
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("supervision:visit_list"))
    assert len(one) == len(many), "\n".join(q["sql"] for q in many.captured_queries)


# --- findings --------------------------------------------------------------------------------------


def test_the_enterprise_reports_and_the_inspector_accepts_on_time(enterprise_user_a, district_staff_a):
    finding = finding_of(enterprise_user_a.enterprise, district_staff_a)
    services.finding_report_rectification(finding=finding, reported_by=enterprise_user_a, rectification="已补登")
    finding = services.finding_accept(finding=finding, reinspected_by=district_staff_a)
    assert finding.status == Finding.Status.CLOSED and finding.on_time is True
    assert list(FindingEvent.objects.filter(finding=finding).values_list("action", flat=True)) == ["report", "accept"]


def test_a_failed_reinspection_reopens_with_a_new_deadline(enterprise_user_a, district_staff_a):
    finding = finding_of(enterprise_user_a.enterprise, district_staff_a)
    services.finding_report_rectification(finding=finding, reported_by=enterprise_user_a, rectification="已补登")
    with pytest.raises(ValidationError) as error:
        services.finding_reopen(finding=finding, reinspected_by=district_staff_a, reason=" ")
    assert error.value.messages == [str(services.MSG_REOPEN_REASON_REQUIRED)]
    later = timezone.now() + dt.timedelta(days=10)
    with time_machine.travel(later, tick=False):
        finding = services.finding_reopen(finding=finding, reinspected_by=district_staff_a, reason="仍有缺漏")
    assert finding.status == Finding.Status.OPEN and finding.deadline > later


def test_an_enterprise_cannot_accept_its_own_rectification(enterprise_user_a, district_staff_a, enterprise_user_b):
    finding = finding_of(enterprise_user_a.enterprise, district_staff_a)
    with pytest.raises(PermissionDenied):
        services.finding_report_rectification(finding=finding, reported_by=enterprise_user_b, rectification="x")
    services.finding_report_rectification(finding=finding, reported_by=enterprise_user_a, rectification="x")
    with pytest.raises(PermissionDenied):
        services.finding_accept(finding=finding, reinspected_by=enterprise_user_a)


def test_a_finding_cannot_be_accepted_before_it_is_reported(enterprise_user_a, district_staff_a):
    finding = finding_of(enterprise_user_a.enterprise, district_staff_a)
    with pytest.raises(ValidationError) as error:
        services.finding_accept(finding=finding, reinspected_by=district_staff_a)
    assert error.value.code == "illegal"


def test_an_overdue_finding_is_escalated_once_and_listed_for_commanders(
    client, enterprise_user_a, district_staff_a, commander
):
    finding = finding_of(enterprise_user_a.enterprise, district_staff_a, problem="消毒记录缺失")
    with time_machine.travel(finding.deadline + dt.timedelta(hours=1), tick=False):
        assert services.findings_escalate_overdue() == 1
        assert services.findings_escalate_overdue() == 0  # idempotent
        from supervision.tasks import escalate_overdue_findings

        assert escalate_overdue_findings.delay().get() == 0
        client.force_login(commander)
        listed = client.get(reverse("supervision:finding_list") + "?overdue=on").content.decode()
        home = client.get(reverse("portal:home")).content.decode()
    finding.refresh_from_db()
    assert finding.escalated_at is not None
    assert FindingEvent.objects.filter(finding=finding, action="escalate", actor__isnull=True).count() == 1
    assert Notification.objects.filter(user=commander, title__contains="1 项督导问题逾期未整改").count() == 1
    assert "消毒记录缺失" in listed and "逾期已上报" in listed
    assert "逾期未整改、已上报的问题 1 项" in home


def test_a_finding_reported_late_is_closed_as_not_on_time(enterprise_user_a, district_staff_a):
    finding = finding_of(enterprise_user_a.enterprise, district_staff_a)
    with time_machine.travel(finding.deadline + dt.timedelta(days=1), tick=False):
        services.finding_report_rectification(finding=finding, reported_by=enterprise_user_a, rectification="x")
        finding = services.finding_accept(finding=finding, reinspected_by=district_staff_a)
    assert finding.on_time is False


def test_the_finding_page_offers_each_side_its_action(client, enterprise_user_a, district_staff_a):
    finding = finding_of(enterprise_user_a.enterprise, district_staff_a)
    client.force_login(enterprise_user_a)
    assert list(client.get(reverse("supervision:finding_detail", args=[finding.pk])).context["forms"]) == ["report"]
    response = client.post(
        reverse("supervision:finding_act", args=[finding.pk, "report"]), {"report-text": "已整改到位"}
    )
    assert response.status_code == 302
    client.force_login(district_staff_a)
    assert list(client.get(reverse("supervision:finding_detail", args=[finding.pk])).context["forms"]) == [
        "accept",
        "reopen",
    ]
    client.post(reverse("supervision:finding_act", args=[finding.pk, "accept"]), {"accept-text": ""})
    finding.refresh_from_db()
    assert finding.status == Finding.Status.CLOSED
    rows = _rows(client.get(reverse("supervision:finding_export")))
    header = next(i for i, row in enumerate(rows) if row[0] == "督导对象")
    assert rows[header + 1][6] == "复查通过" and rows[header + 1][8] == "是"


def test_an_enterprise_sees_only_its_own_findings(client, enterprise_user_a, enterprise_user_b, district_staff_a):
    finding_of(enterprise_user_a.enterprise, district_staff_a, problem="甲企业问题")
    client.force_login(enterprise_user_b)
    assert "甲企业问题" not in client.get(reverse("supervision:finding_list")).content.decode()
    client.force_login(enterprise_user_a)
    assert "甲企业问题" in client.get(reverse("supervision:finding_list")).content.decode()


def test_checklist_versions_keep_old_rounds_on_their_version(admin_user, district_staff_a, enterprise_a):
    first = published_checklist(by=admin_user)
    inspection_round = planned_round(district_staff_a, targets=[enterprise_a])
    assert inspection_round.checklist == first
    second = services.checklist_draft_create(
        created_by=admin_user, title="第二版", source_document="x", effective_from=dt.date(2020, 2, 1), copy_from=first
    )
    services.checklist_publish(draft=second, published_by=admin_user)
    assert Checklist.objects.in_force(timezone.localdate()) == second
    inspection_round.refresh_from_db()
    assert inspection_round.checklist == first


def test_a_closed_round_takes_no_more_visits(client, district_staff_a, enterprise_a):
    inspection_round = planned_round(district_staff_a, targets=[enterprise_a])
    visit = inspection_round.visits.get()
    client.force_login(district_staff_a)
    client.post(reverse("supervision:round_close", args=[inspection_round.pk]))
    assert not client.get(reverse("supervision:visit_detail", args=[visit.pk])).context["may_record"]
    with pytest.raises(ValidationError) as error:
        recorded_visit(visit, district_staff_a)
    assert error.value.messages == [str(services.MSG_ROUND_CLOSED)]
