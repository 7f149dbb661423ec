"""Supervision objects in real workflow states, built through the services."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from supervision import services
from supervision.models import Checklist, TargetKind
from tests.core.test_uploads import jpeg_bytes, png_bytes
from tests.factories import UserFactory

# (number, target kind or "" for all, text, working days to rectify)
ITEMS = [
    (1, "", "落实属地防控责任, 明确专人负责", 3),
    (2, TargetKind.ENTERPRISE, "员工每日体温检测并登记", 2),
    (3, TargetKind.COMMUNITY, "卡口二十四小时值守并登记进出人员", 1),
    (4, TargetKind.DISTRICT, "按时汇总上报复工复产情况", 3),
]


def png_upload(name="现场.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def jpeg_upload(name="现场.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


def published_checklist(*, by=None, effective_from=dt.date(2020, 1, 1), items=ITEMS) -> Checklist:
    by = by or UserFactory(admin=True)
    draft = services.checklist_draft_create(
        created_by=by, title="复工复产专项督查清单", source_document="昆防指〔2020〕20号", effective_from=effective_from
    )
    for number, kind, text, days in items:
        services.checklist_item_add(
            draft=draft, added_by=by, number=number, text=text, target_kind=kind, rectify_working_days=days
        )
    return services.checklist_publish(draft=draft, published_by=by)


def planned_round(planner, *, targets, inspectors=None, kind=TargetKind.ENTERPRISE, starts_on=None, title="专项督导"):
    import django.utils.timezone as tz

    if not Checklist.objects.published().exists():
        published_checklist()
    day = starts_on or tz.localdate()
    return services.inspection_round_plan(
        planned_by=planner,
        title=title,
        target_kind=kind,
        starts_on=day,
        ends_on=day + dt.timedelta(days=7),
        inspectors=inspectors or [planner],
        targets=targets,
    )


def answers_for(visit, *, failed: dict[int, str] | None = None, photos: dict[int, list] | None = None) -> dict:
    """Every item of the visit answered: passed, unless its number is in `failed` (number -> problem)."""
    failed, photos = failed or {}, photos or {}
    return {
        item.pk: services.ItemAnswer(
            passed=item.number not in failed,
            note=failed.get(item.number, ""),
            photos=tuple(photos.get(item.number, ())),
        )
        for item in services.checklist_items_for(visit.round.checklist_id, visit.target_kind)
    }


def recorded_visit(visit, inspector, *, failed=None, photos=None, summary=""):
    return services.inspection_visit_record(
        visit=visit, inspector=inspector, summary=summary, answers=answers_for(visit, failed=failed, photos=photos)
    )


def finding_of(enterprise, district_staff, problem="体温登记缺漏"):
    """An open finding at the enterprise, from a visit by a round of its district."""
    inspection_round = planned_round(district_staff, targets=[enterprise])
    visit = inspection_round.visits.get()
    recorded_visit(visit, district_staff, failed={2: problem})
    return visit.findings.get()


def subject(district, unit="张浦镇某社区", failing="perfunctory") -> services.SubjectData:
    return services.SubjectData(
        failing=failing,
        district=district,
        unit_name=unit,
        facts="卡口值守敷衍应付",
        person_name="某某",
        person_title="社区书记",
    )


def drafted_notice(drafter, district, *, findings=()):
    return services.notice_draft_create(
        drafted_by=drafter,
        title="关于部分单位防控落实不力的通报",
        body="经专项督导, 发现以下问题。",
        subjects=[subject(district)],
        findings=findings,
    )


def pending_notice(drafter, district, **kwargs):
    notice = drafted_notice(drafter, district, **kwargs)
    return services.notice_submit(notice=notice, submitted_by=drafter)


def published_notice(drafter, approver, district, **kwargs):
    notice = pending_notice(drafter, district, **kwargs)
    return services.notice_publish(notice=notice, approved_by=approver)
