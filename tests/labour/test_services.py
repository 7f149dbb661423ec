from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Notification
from labour.models import DistrictHead, LabourDispute, LabourEvent, LabourNeed, MarketComplaint, Pairing
from labour.services import complaints, disputes, drives, supply
from passes.models import RiskLevel
from tests.factories import UserFactory
from tests.labour.factories import (
    agency_by,
    complaint_by,
    dispute_by,
    drive_by,
    hr_bureau_user,
    need_of,
    pairing_of,
)
from tests.passes.factories import HIGH_RISK_ORIGIN, LOW_RISK_ORIGIN, WorkerFactory, published_risk_list

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


# --- shortages and hires ----------------------------------------------------------------------------------


def test_hires_count_down_the_open_positions_and_close_a_filled_need(enterprise_user_a):
    need = need_of(enterprise_user_a, positions=5)
    supply.labour_hire_record(need=need, count=3, hired_on=timezone.localdate(), recorded_by=enterprise_user_a)
    need.refresh_from_db()
    assert (need.hired, need.open_positions, need.status) == (3, 2, LabourNeed.Status.OPEN)
    supply.labour_hire_record(need=need, count=2, hired_on=timezone.localdate(), recorded_by=enterprise_user_a)
    need.refresh_from_db()
    assert (need.hired, need.open_positions, need.status) == (5, 0, LabourNeed.Status.CLOSED)
    assert need.close_reason == str(supply.CLOSE_FILLED)
    assert list(need.events.values_list("kind", flat=True)) == ["transition", "hire", "hire", "transition"]


def test_cannot_hire_more_than_the_positions_still_open(enterprise_user_a):
    need = need_of(enterprise_user_a, positions=2)
    with pytest.raises(ValidationError) as error:
        supply.labour_hire_record(need=need, count=3, hired_on=timezone.localdate(), recorded_by=enterprise_user_a)
    assert error.value.messages == [str(supply.MSG_HIRE_TOO_MANY % {"open": 2})]


def test_another_enterprise_cannot_touch_a_need(enterprise_user_a, enterprise_user_b, district_staff_b):
    need = need_of(enterprise_user_a)
    with pytest.raises(PermissionDenied):
        supply.labour_need_update(need=need, data={"positions": 20}, updated_by=enterprise_user_b)
    with pytest.raises(PermissionDenied):
        supply.labour_hire_record(need=need, count=1, hired_on=timezone.localdate(), recorded_by=district_staff_b)


def test_positions_cannot_drop_below_those_hired(enterprise_user_a):
    need = need_of(enterprise_user_a, positions=5)
    supply.labour_hire_record(need=need, count=4, hired_on=timezone.localdate(), recorded_by=enterprise_user_a)
    with pytest.raises(ValidationError) as error:
        supply.labour_need_update(need=need, data={"positions": 3}, updated_by=enterprise_user_a)
    assert str(supply.MSG_POSITIONS_BELOW_HIRED % {"hired": 4}) in error.value.messages


def test_a_closed_need_reopens_and_takes_hires_again(enterprise_user_a):
    need = need_of(enterprise_user_a)
    supply.labour_need_close(need=need, closed_by=enterprise_user_a, reason="暂停招聘")
    with pytest.raises(ValidationError) as error:
        supply.labour_hire_record(need=need, count=1, hired_on=timezone.localdate(), recorded_by=enterprise_user_a)
    assert error.value.messages == [str(supply.MSG_NOT_OPEN)]
    supply.labour_need_reopen(need=need, reopened_by=enterprise_user_a)
    assert LabourNeed.objects.get(pk=need.pk).status == LabourNeed.Status.OPEN


# --- agencies and pairings ---------------------------------------------------------------------------------


def test_the_bureau_keeps_city_wide_agencies_and_districts_their_own(district_staff_a, district_staff_b):
    bureau = hr_bureau_user()
    city_wide, own = agency_by(bureau), agency_by(district_staff_a)
    assert city_wide.district_id is None and own.district_id == district_staff_a.district_id
    from labour.models import HRAgency

    assert set(HRAgency.objects.visible_to(district_staff_b)) == {city_wide}
    assert set(HRAgency.objects.visible_to(bureau)) == {city_wide, own}
    with pytest.raises(PermissionDenied):
        supply.hr_agency_update(agency=own, data={"name": "改名"}, regions=[], updated_by=district_staff_b)
    with pytest.raises(PermissionDenied):
        agency_by(UserFactory(authority_staff=True))  # 工信局 keeps no agencies


def test_a_pairing_delivers_hires_and_the_enterprise_is_told(enterprise_user_a, district_staff_a):
    need = need_of(enterprise_user_a, positions=8)
    pairing = pairing_of(need, district_staff_a)
    assert pairing.positions_covered == 8
    assert Notification.objects.filter(user=enterprise_user_a, url=f"/labour/pairings/{pairing.pk}/").exists()
    supply.labour_hire_record(
        need=need, count=3, hired_on=timezone.localdate(), recorded_by=district_staff_a, pairing=pairing
    )
    assert Pairing.objects.get(pk=pairing.pk).hires_delivered == 3
    assert pairing.hires.get().count == 3


def test_only_the_enterprises_district_pairs_and_not_twice(enterprise_user_a, district_staff_a, district_staff_b):
    need = need_of(enterprise_user_a)
    agency = agency_by(hr_bureau_user())
    with pytest.raises(PermissionDenied):
        supply.pairing_create(agency=agency, enterprise=need.enterprise, needs=[need], created_by=district_staff_b)
    pairing_of(need, district_staff_a, agency)
    with pytest.raises(ValidationError) as error:
        pairing_of(need, district_staff_a, agency)
    assert error.value.messages == [str(supply.MSG_PAIRING_EXISTS)]


def test_a_pairing_counts_only_for_the_needs_it_covers(enterprise_user_a, district_staff_a):
    covered, other = need_of(enterprise_user_a), need_of(enterprise_user_a, job="叉车工")
    pairing = pairing_of(covered, district_staff_a)
    with pytest.raises(ValidationError) as error:
        supply.labour_hire_record(
            need=other, count=1, hired_on=timezone.localdate(), recorded_by=district_staff_a, pairing=pairing
        )
    assert error.value.messages == [str(supply.MSG_PAIRING_NOT_FOR_NEED)]


# --- drives -------------------------------------------------------------------------------------------------


def test_a_drive_to_a_region_that_is_not_low_risk_cannot_be_scheduled(district_staff_a):
    published_risk_list(effective_from=timezone.localdate() - timedelta(days=1))
    with pytest.raises(ValidationError) as error:
        drive_by(district_staff_a, region=HIGH_RISK_ORIGIN)
    assert error.value.code == "region_not_low"
    assert "高风险" in error.value.messages[0] and "苏防控〔2020〕7号" in error.value.messages[0]
    drive = drive_by(district_staff_a, region=LOW_RISK_ORIGIN)
    assert drive.scheduled_under is not None and drive.district_id == district_staff_a.district_id


def test_a_list_in_force_by_the_first_day_counts_too(district_staff_a):
    published_risk_list(effective_from=timezone.localdate() + timedelta(days=1), areas={"510000": RiskLevel.MEDIUM})
    with pytest.raises(ValidationError):
        drive_by(district_staff_a, region=LOW_RISK_ORIGIN, days=2)  # 广安 is in Sichuan


def test_a_scheduled_drive_is_flagged_once_when_a_new_list_makes_its_region_risky(district_staff_a, enterprise_user_a):
    drive = drive_by(district_staff_a)
    drives.drive_participant_add(
        drive=drive, enterprise=enterprise_user_a.enterprise, positions_offered=10, added_by=district_staff_a
    )
    assert drives.drives_flag_risky() == 0
    published_risk_list(effective_from=timezone.localdate(), areas={"511600": RiskLevel.HIGH})
    assert drives.drives_flag_risky() == 1
    assert drives.drives_flag_risky() == 0  # idempotent
    drive.refresh_from_db()
    assert drive.risk_flagged_at is not None and "高风险" in drive.risk_flag
    assert drive.events.filter(kind=LabourEvent.Kind.RISK_FLAG).count() == 1
    told = set(Notification.objects.filter(title__contains=drive.title).values_list("user", flat=True))
    assert {district_staff_a.pk, enterprise_user_a.pk} <= told


def test_drive_results_link_arrivals_to_roster_workers(district_staff_a, enterprise_user_a, enterprise_b):
    drive = drive_by(district_staff_a)
    participant = drives.drive_participant_add(
        drive=drive, enterprise=enterprise_user_a.enterprise, positions_offered=10, added_by=district_staff_a
    )
    arrived = WorkerFactory(enterprise=enterprise_user_a.enterprise)
    away = WorkerFactory(
        enterprise=enterprise_user_a.enterprise, arrived_on=None, quarantine_status="none", quarantine_started_on=None
    )
    stranger = WorkerFactory(enterprise=enterprise_b)
    with pytest.raises(ValidationError) as error:
        drives.drive_result_record(
            participant=participant, signed=5, arrived=3, workers=[away], recorded_by=enterprise_user_a
        )
    assert error.value.messages == [str(drives.MSG_WORKER_NOT_ARRIVED % {"name": away.name})]
    with pytest.raises(ValidationError):
        drives.drive_result_record(
            participant=participant, signed=5, arrived=3, workers=[stranger], recorded_by=enterprise_user_a
        )
    with pytest.raises(ValidationError) as error:
        drives.drive_result_record(
            participant=participant, signed=2, arrived=3, workers=[], recorded_by=enterprise_user_a
        )
    assert error.value.messages == [str(drives.MSG_ARRIVED_GT_SIGNED)]
    drives.drive_result_record(
        participant=participant, signed=5, arrived=3, workers=[arrived], recorded_by=enterprise_user_a
    )
    participant.refresh_from_db()
    assert (participant.signed, participant.arrived, list(participant.arrived_workers.all())) == (5, 3, [arrived])


def test_a_district_drive_takes_only_its_own_enterprises(district_staff_a, enterprise_b):
    drive = drive_by(district_staff_a)
    with pytest.raises(ValidationError) as error:
        drives.drive_participant_add(
            drive=drive, enterprise=enterprise_b, positions_offered=3, added_by=district_staff_a
        )
    assert error.value.messages == [str(drives.MSG_ENTERPRISE_NOT_IN_DISTRICT)]


def test_the_demo_partner_regions_load_once_and_are_marked():
    from labour.models import PartnerRegion

    assert drives.partner_region_demo_load() == len(drives.DEMO_PARTNER_REGIONS)
    assert drives.partner_region_demo_load() == 0
    assert PartnerRegion.objects.filter(is_demo=False).count() == 0


# --- complaints ---------------------------------------------------------------------------------------------


@time_machine.travel(datetime(2020, 3, 13, 10, 0, tzinfo=SHANGHAI), tick=False)  # a Friday
def test_a_public_complaint_goes_to_the_bureau_with_a_working_day_deadline(settings):
    settings.LABOUR_COMPLAINT_WORKING_DAYS = 5
    bureau = hr_bureau_user()
    complaint = complaint_by()
    assert timezone.localtime(complaint.deadline) == datetime(2020, 3, 20, 10, 0, tzinfo=SHANGHAI)
    assert complaint.reported_by is None and complaint.status == MarketComplaint.Status.RECEIVED
    assert Notification.objects.filter(user=bureau, title__contains=complaint.reference).exists()


def test_only_the_bureau_handles_a_complaint_and_the_reporter_hears_the_outcome(enterprise_user_a, district_staff_a):
    complaint = complaint_by(enterprise_user_a)
    with pytest.raises(PermissionDenied):
        complaints.complaint_accept(complaint=complaint, accepted_by=district_staff_a)
    bureau = hr_bureau_user()
    with pytest.raises(ValidationError) as error:
        complaints.complaint_close(complaint=complaint, closed_by=bureau, outcome="substantiated", note=" ")
    assert error.value.messages == [str(complaints.MSG_OUTCOME_REQUIRED)]
    complaints.complaint_accept(complaint=complaint, accepted_by=bureau)
    complaints.complaint_close(
        complaint=complaint, closed_by=bureau, outcome="substantiated", note="已责令退还中介费并立案查处。"
    )
    complaint.refresh_from_db()
    assert (complaint.status, complaint.outcome) == (MarketComplaint.Status.CLOSED, "substantiated")
    assert Notification.objects.filter(user=enterprise_user_a, title__contains=complaint.reference).exists()


def test_a_complaint_needs_a_target_and_a_description():
    with pytest.raises(ValidationError) as error:
        complaint_by(target_name="", description="")
    assert error.value.message_dict["target_name"] == [str(complaints.MSG_TARGET_REQUIRED)]


# --- disputes -------------------------------------------------------------------------------------------------


def test_a_dispute_moves_through_mediation_to_settlement(district_staff_a, enterprise_user_a):
    dispute = dispute_by(enterprise_user_a, enterprise_user_a.enterprise)
    assert dispute.source == LabourDispute.Source.ENTERPRISE
    assert Notification.objects.filter(user=district_staff_a).exists()
    with pytest.raises(ValidationError) as error:
        disputes.dispute_settle(dispute=dispute, actor=district_staff_a, outcome="已支付")
    assert error.value.code == "illegal"
    disputes.dispute_negotiate(dispute=dispute, actor=district_staff_a)
    disputes.dispute_mediate(dispute=dispute, actor=district_staff_a, comment="请司法所调解")
    with pytest.raises(ValidationError) as error:
        disputes.dispute_settle(dispute=dispute, actor=district_staff_a, outcome="")
    assert error.value.messages == [str(disputes.MSG_OUTCOME_REQUIRED)]
    disputes.dispute_settle(dispute=dispute, actor=district_staff_a, outcome="企业分两期支付工资 15000 元")
    dispute.refresh_from_db()
    assert dispute.status == LabourDispute.Status.SETTLED and dispute.closed_at is not None
    assert [(e.from_status, e.to_status) for e in dispute.events.all()] == [
        ("", "reported"),
        ("reported", "negotiating"),
        ("negotiating", "mediating"),
        ("mediating", "settled"),
    ]


def test_only_the_enterprises_district_or_the_bureau_handles_a_dispute(
    district_staff_a, district_staff_b, enterprise_user_a
):
    dispute = dispute_by(district_staff_a, enterprise_user_a.enterprise)
    for outsider in (district_staff_b, enterprise_user_a, UserFactory(authority_staff=True)):
        with pytest.raises(PermissionDenied):
            disputes.dispute_refer(dispute=dispute, actor=outsider, outcome="移交劳动仲裁委")
    disputes.dispute_refer(dispute=dispute, actor=hr_bureau_user(), outcome="移交劳动仲裁委")
    assert LabourDispute.objects.get(pk=dispute.pk).status == LabourDispute.Status.REFERRED


def test_more_names_than_workers_is_refused(district_staff_a, enterprise_a):
    with pytest.raises(ValidationError) as error:
        dispute_by(district_staff_a, enterprise_a, workers_involved=1)
    assert error.value.message_dict["worker_names"] == [str(disputes.MSG_NAMES_EXCEED % {"names": 3, "count": 1})]


def test_an_overdue_dispute_goes_up_to_the_district_head_once(district_staff_a, enterprise_user_a):
    head = UserFactory(district_staff=True, district=district_staff_a.district)
    DistrictHead.objects.create(district=district_staff_a.district, user=head)
    with time_machine.travel(datetime(2020, 3, 2, 9, 0, tzinfo=SHANGHAI), tick=False):
        dispute = dispute_by(district_staff_a, enterprise_user_a.enterprise)
        settled = dispute_by(district_staff_a, enterprise_user_a.enterprise)
        disputes.dispute_negotiate(dispute=settled, actor=district_staff_a)
        disputes.dispute_settle(dispute=settled, actor=district_staff_a, outcome="协商一致")
    with time_machine.travel(datetime(2020, 3, 13, 9, 0, tzinfo=SHANGHAI), tick=False):  # 9 working days later
        assert disputes.disputes_escalate_overdue() == 0
    with time_machine.travel(datetime(2020, 3, 16, 9, 1, tzinfo=SHANGHAI), tick=False):
        assert disputes.disputes_escalate_overdue() == 1
        assert disputes.disputes_escalate_overdue() == 0
    dispute.refresh_from_db()
    assert dispute.escalated_at is not None
    assert dispute.events.filter(kind=LabourEvent.Kind.ESCALATION).count() == 1
    assert Notification.objects.filter(user=head, title__contains="超期").count() == 1
    assert not Notification.objects.filter(user=district_staff_a, title__contains="超期").exists()


def test_without_a_named_head_every_staff_member_of_the_district_hears(district_staff_a, enterprise_a):
    with time_machine.travel(datetime(2020, 3, 2, 9, 0, tzinfo=SHANGHAI), tick=False):
        dispute_by(district_staff_a, enterprise_a)
    with time_machine.travel(datetime(2020, 4, 2, 9, 0, tzinfo=SHANGHAI), tick=False):
        from labour.tasks import escalate_overdue_disputes

        escalate_overdue_disputes.delay()
    assert Notification.objects.filter(user=district_staff_a, title__contains="超期").count() == 1


# --- figures ---------------------------------------------------------------------------------------------------


def test_figures_by_district_and_industry_and_the_days_rows(enterprise_user_a, district_staff_a, commander):
    need = need_of(enterprise_user_a, positions=10)
    pairing = pairing_of(need, district_staff_a)
    yesterday = timezone.localdate() - timedelta(days=1)
    supply.labour_hire_record(need=need, count=2, hired_on=yesterday, recorded_by=enterprise_user_a)
    supply.labour_hire_record(
        need=need, count=3, hired_on=timezone.localdate(), recorded_by=district_staff_a, pairing=pairing
    )
    dispute = dispute_by(district_staff_a, enterprise_user_a.enterprise)
    settled = dispute_by(district_staff_a, enterprise_user_a.enterprise, workers_involved=4)
    disputes.dispute_negotiate(dispute=settled, actor=district_staff_a)
    disputes.dispute_settle(dispute=settled, actor=district_staff_a, outcome="协商一致")
    from labour.figures import labour_day_rows, labour_figures

    figures = labour_figures(commander)
    (row,) = figures["districts"]
    assert row["district"] == district_staff_a.district
    assert (row["open_positions"], row["hired"], row["pairings"], row["delivered"]) == (5, 5, 1, 3)
    assert (row["disputes_open"], row["disputes_settled"], row["disputes_workers"]) == (1, 1, 3 + 4)
    assert figures["industries"] == [
        {"section": "C", "name": "制造业", "open_needs": 1, "open_positions": 5, "hired": 5}
    ]
    day = labour_day_rows(timezone.localdate())
    assert (
        day[district_staff_a.district_id]
        == day[None]
        == {
            "open_positions": 5,
            "hired_today": 3,
            "hired_total": 5,
            "pairings": 1,
            "disputes_open": 1,
            "disputes_workers": dispute.workers_involved,
        }
    )
    assert labour_day_rows(yesterday)[None]["hired_total"] == 2


def test_figures_keep_to_the_users_scope(enterprise_user_a, enterprise_user_b, district_staff_b):
    need_of(enterprise_user_a)
    need_of(enterprise_user_b, positions=4)
    from labour.figures import labour_figures

    (row,) = labour_figures(district_staff_b)["districts"]
    assert (row["district"], row["open_positions"]) == (district_staff_b.district, 4)


def test_tasks_run_without_arguments():
    from labour.tasks import escalate_overdue_disputes, flag_risky_drives

    assert escalate_overdue_disputes.delay().get() == 0
    assert flag_risky_drives.delay().get() == 0


def test_hire_on_a_future_day_is_refused(enterprise_user_a):
    need = need_of(enterprise_user_a)
    with pytest.raises(ValidationError) as error:
        supply.labour_hire_record(
            need=need, count=1, hired_on=timezone.localdate() + timedelta(days=2), recorded_by=enterprise_user_a
        )
    assert error.value.messages == [str(supply.MSG_HIRE_FUTURE)]
