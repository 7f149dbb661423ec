"""Clause 13: enterprises record pre-job training and safety education; staff see whether returnees were trained."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.uploads import MSG_NOT_ALLOWED
from supervision import services
from supervision.models import TrainingAttendance, TrainingSession
from tests.excel_helpers import open_workbook
from tests.passes.factories import WorkerFactory
from tests.supervision.helpers import png_upload

pytestmark = pytest.mark.django_db


def _record(user, **overrides):
    data = {
        "kind": TrainingSession.Kind.PRE_JOB,
        "held_on": timezone.localdate(),
        "topic": "复工防疫与安全生产",
        "trainer": "安全员",
        "attendee_count": 30,
        "attendees": [],
        "material": None,
    }
    data.update(overrides)
    return services.training_session_record(enterprise=user.enterprise, recorded_by=user, **data)


def test_an_enterprise_records_a_session_with_roster_attendees_and_a_photo(enterprise_user_a):
    workers = WorkerFactory.create_batch(2, enterprise=enterprise_user_a.enterprise)
    session = _record(enterprise_user_a, attendees=workers, material=png_upload())
    assert session.file_kind == "png" and session.material.name.endswith(".png")
    assert "现场" not in session.material.name  # stored under a random name
    assert set(TrainingAttendance.objects.filter(session=session).values_list("worker_id", flat=True)) == {
        w.pk for w in workers
    }


def test_another_enterprise_cannot_record_for_it(enterprise_user_a, enterprise_user_b):
    with pytest.raises(PermissionDenied):
        services.training_session_record(
            enterprise=enterprise_user_a.enterprise,
            recorded_by=enterprise_user_b,
            kind="safety",
            held_on=timezone.localdate(),
            topic="x",
            trainer="y",
            attendee_count=1,
        )


def test_attendees_must_be_on_the_enterprises_own_roster(enterprise_user_a, enterprise_b):
    with pytest.raises(ValidationError) as error:
        _record(enterprise_user_a, attendees=[WorkerFactory(enterprise=enterprise_b)])
    assert error.value.message_dict["attendees"] == [str(services.MSG_ATTENDEES_NOT_YOURS)]


def test_the_count_cannot_be_below_the_named_attendees(enterprise_user_a):
    workers = WorkerFactory.create_batch(3, enterprise=enterprise_user_a.enterprise)
    with pytest.raises(ValidationError) as error:
        _record(enterprise_user_a, attendees=workers, attendee_count=2)
    assert error.value.message_dict["attendee_count"] == [str(services.MSG_ATTENDEES_OVER_COUNT % {"named": 3})]


def test_a_session_in_the_future_is_refused(enterprise_user_a):
    with pytest.raises(ValidationError) as error:
        _record(enterprise_user_a, held_on=timezone.localdate() + dt.timedelta(days=1))
    assert error.value.message_dict["held_on"] == [str(services.MSG_TRAINING_IN_FUTURE)]


def test_a_material_that_is_not_a_photo_or_pdf_is_refused_by_content(enterprise_user_a):
    fake = SimpleUploadedFile("签到表.jpg", b"<html><script>alert(1)</script></html>")
    with pytest.raises(ValidationError) as error:
        _record(enterprise_user_a, material=fake)
    assert error.value.message_dict["material"] == [MSG_NOT_ALLOWED.format(kinds="PDF、JPEG 图片、PNG 图片")]
    assert not TrainingSession.objects.exists()


def test_the_form_records_a_session_and_the_page_serves_the_sheet(client, enterprise_user_a):
    worker = WorkerFactory(enterprise=enterprise_user_a.enterprise)
    client.force_login(enterprise_user_a)
    response = client.post(
        reverse("supervision:training_new"),
        {
            "kind": "pre_job",
            "held_on": timezone.localdate().isoformat(),
            "topic": "岗前防疫培训",
            "trainer": "李老师",
            "attendee_count": "12",
            "attendees": [worker.pk],
            "material": png_upload("签到表.png"),
        },
    )
    session = TrainingSession.objects.get()
    assert response.status_code == 302 and response.url == reverse("supervision:training_detail", args=[session.pk])
    detail = client.get(response.url)
    assert "岗前防疫培训" in detail.content.decode() and worker.name in detail.content.decode()
    material = client.get(reverse("supervision:training_material", args=[session.pk]))
    assert material.status_code == 200 and material["Content-Type"] == "image/png"
    assert material["X-Content-Type-Options"] == "nosniff"


def test_the_form_shows_the_refusal_of_a_bad_file(client, enterprise_user_a):
    client.force_login(enterprise_user_a)
    response = client.post(
        reverse("supervision:training_new"),
        {
            "kind": "safety",
            "held_on": timezone.localdate().isoformat(),
            "topic": "t",
            "trainer": "t",
            "attendee_count": "3",
            "material": SimpleUploadedFile("x.png", b""),
        },
    )
    assert response.status_code == 200 and not TrainingSession.objects.exists()
    assert "文件" in response.content.decode()


def test_staff_roles_read_the_list_and_checkpoint_staff_may_not(
    client, enterprise_user_a, district_staff_a, district_staff_b, checkpoint_staff
):
    _record(enterprise_user_a, topic="张浦培训")
    client.force_login(district_staff_a)
    assert "张浦培训" in client.get(reverse("supervision:training_list")).content.decode()
    client.force_login(district_staff_b)
    assert "张浦培训" not in client.get(reverse("supervision:training_list")).content.decode()
    client.force_login(checkpoint_staff)
    assert client.get(reverse("supervision:training_list")).status_code == 403


def test_the_export_lists_the_sessions_in_scope(client, enterprise_user_a, district_staff_a):
    worker = WorkerFactory(enterprise=enterprise_user_a.enterprise)
    _record(enterprise_user_a, topic='=HYPERLINK("x")', attendees=[worker], attendee_count=5)
    client.force_login(district_staff_a)
    response = client.get(reverse("supervision:training_export"))
    sheet = open_workbook(b"".join(response.streaming_content) if response.streaming else response.content).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(i for i, row in enumerate(rows) if row[0] == "培训日期")
    data = rows[header + 1]
    assert data[1] == enterprise_user_a.enterprise.name and data[4] == '\'=HYPERLINK("x")'
    assert data[6] == 5 and data[7] == 1 and data[8] == "否"


def test_training_status_counts_returnees_trained_since_they_arrived(client, enterprise_user_a, district_staff_a):
    today = timezone.localdate()
    trained = WorkerFactory(enterprise=enterprise_user_a.enterprise, arrived_on=today - dt.timedelta(days=5))
    trained_before_arrival = WorkerFactory(
        enterprise=enterprise_user_a.enterprise, name="未训甲", arrived_on=today - dt.timedelta(days=1)
    )
    WorkerFactory(enterprise=enterprise_user_a.enterprise, arrived_on=None)  # not back: not a returnee
    _record(enterprise_user_a, held_on=today - dt.timedelta(days=2), attendees=[trained, trained_before_arrival])
    client.force_login(district_staff_a)
    response = client.get(reverse("supervision:training_status", args=[enterprise_user_a.enterprise_id]))
    assert response.context["returnees"] == 2 and response.context["trained"] == 1
    html = response.content.decode()
    assert 'data-testid="training-share">50%' in html and "未训甲" in html


def test_the_filing_page_and_the_enterprise_page_load_the_training_status(client, enterprise_user_a, district_staff_a):
    from tests.filings.helpers import submitted

    filing = submitted(enterprise_user_a)
    status_url = reverse("supervision:training_status", args=[enterprise_user_a.enterprise_id])
    client.force_login(district_staff_a)
    for page in (
        reverse("filings:detail", args=[filing.pk]),
        reverse("enterprises:detail", args=[enterprise_user_a.enterprise_id]),
    ):
        assert f'hx-get="{status_url}"' in client.get(page).content.decode()
