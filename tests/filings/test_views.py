import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from filings import services, views
from filings.models import Filing, FilingMaterial
from tests.excel_helpers import open_workbook
from tests.factories import EnterpriseFactory, UserFactory
from tests.filings.helpers import PDF, STEP_DATA, complete_draft, material_upload, publish_negative_list, submitted

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
S = Filing.Status


@pytest.fixture(autouse=True)
def _march_2020():
    with time_machine.travel(dt.datetime(2020, 3, 9, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


def _form_data(data: dict) -> dict:
    """Model values as a browser would post them (unchecked boxes are absent)."""
    return {
        k: (v.isoformat() if isinstance(v, dt.date) else "on" if v is True else v)
        for k, v in data.items()
        if v is not False
    }


# --- Enterprise journey ------------------------------------------------------------------------


def test_an_enterprise_files_step_by_step_and_gets_a_receipt(client, enterprise_user_a):
    client.force_login(enterprise_user_a)
    response = client.post(reverse("filings:start"))
    filing = Filing.objects.get()
    assert response["Location"] == reverse("filings:step_scope", args=[filing.pk])
    scope_fields = ["scope_work", "scope_production", "scope_business", "planned_resume_on", "planned_headcount"]
    step1 = _form_data({k: STEP_DATA[k] for k in scope_fields})
    assert client.post(reverse("filings:step_scope", args=[filing.pk]), step1)["Location"] == reverse(
        "filings:step_measures", args=[filing.pk]
    )
    step2 = _form_data({k: v for k, v in STEP_DATA.items() if k not in scope_fields})
    assert client.post(reverse("filings:step_measures", args=[filing.pk]), step2).status_code == 302
    for kind in FilingMaterial.Kind.values:
        upload = SimpleUploadedFile(f"{kind}.pdf", PDF)
        if kind == "roster":
            upload = material_upload(kind)
        client.post(reverse("filings:step_materials", args=[filing.pk]), {"kind": kind, "file": upload})
    check = client.get(reverse("filings:step_check", args=[filing.pk]))
    assert check.context["missing"] == [] and check.context["restrictions"] == []
    response = client.post(reverse("filings:step_check", args=[filing.pk]))
    assert response["Location"] == reverse("filings:receipt", args=[filing.pk])
    receipt = client.get(response["Location"])
    html = receipt.content.decode()
    assert "KSFG-20200309-00001" in html and "备案即复工" in html


def test_save_and_exit_keeps_a_half_filled_draft(client, enterprise_user_a):
    client.force_login(enterprise_user_a)
    client.post(reverse("filings:start"))
    filing = Filing.objects.get()
    data = _form_data({"scope_work": True, "planned_resume_on": dt.date(2020, 3, 12), "planned_headcount": 5})
    response = client.post(reverse("filings:step_scope", args=[filing.pk]), {**data, "save_exit": "1"})
    assert response["Location"] == reverse("filings:mine")
    filing.refresh_from_db()
    assert filing.scope_work and filing.planned_headcount == 5 and filing.status == S.DRAFT


def test_step_with_no_scope_shows_an_error_and_saves_nothing(client, enterprise_user_a):
    client.force_login(enterprise_user_a)
    client.post(reverse("filings:start"))
    filing = Filing.objects.get()
    response = client.post(
        reverse("filings:step_scope", args=[filing.pk]), {"planned_resume_on": "2020-03-12", "planned_headcount": "5"}
    )
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    filing.refresh_from_db()
    assert filing.planned_headcount == enterprise_user_a.enterprise.headcount  # the pre-filled value


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("virus.pdf", b"MZ\x90\x00" + b"\x00" * 100),  # a renamed executable
        ("empty.pdf", b""),
        ("page.pdf", b"<html><script>alert(1)</script></html>"),
    ],
)
def test_bad_uploads_are_refused_with_a_message_and_nothing_stored(client, enterprise_user_a, name, content):
    client.force_login(enterprise_user_a)
    client.post(reverse("filings:start"))
    filing = Filing.objects.get()
    response = client.post(
        reverse("filings:step_materials", args=[filing.pk]),
        {"kind": "prevention_plan", "file": SimpleUploadedFile(name, content)},
        follow=True,
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not FilingMaterial.objects.exists()


def test_a_roster_must_be_excel(client, enterprise_user_a):
    client.force_login(enterprise_user_a)
    client.post(reverse("filings:start"))
    filing = Filing.objects.get()
    client.post(
        reverse("filings:step_materials", args=[filing.pk]),
        {"kind": "roster", "file": SimpleUploadedFile("roster.pdf", PDF)},
    )
    assert not FilingMaterial.objects.exists()


def test_the_check_page_shows_the_restricting_entry(client, enterprise_user_a):
    publish_negative_list(("36",))
    draft = complete_draft(enterprise_user_a)
    client.force_login(enterprise_user_a)
    response = client.get(reverse("filings:step_check", args=[draft.pk]))
    assert "昆防指〔2020〕19号" in response.content.decode()
    assert client.post(reverse("filings:step_check", args=[draft.pk])).status_code == 200
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_step_one_cites_the_entry_beside_a_restricted_scope_and_files_the_others(client, enterprise_user_a):
    publish_negative_list(("367", ("business",)))  # the enterprise's group (3670), business only
    client.force_login(enterprise_user_a)
    client.post(reverse("filings:start"))
    filing = Filing.objects.get()
    url = reverse("filings:step_scope", args=[filing.pk])
    form = client.get(url).context["form"]
    assert form["scope_business"].field.widget.attrs.get("disabled")
    assert "昆防指〔2020〕19号" in form["scope_business"].help_text and "暂不能复市" in form["scope_business"].help_text
    assert not form["scope_work"].field.widget.attrs.get("disabled")
    step1 = {"planned_resume_on": "2020-03-12", "planned_headcount": "5"}
    response = client.post(url, {**step1, "scope_work": "on", "scope_business": "on"})
    assert response.status_code == 200 and "昆防指〔2020〕19号" in response.context["form"].errors["scope_business"][0]
    filing.refresh_from_db()
    assert not filing.scope_work and not filing.scope_business
    assert client.post(url, {**step1, "scope_work": "on"})["Location"] == reverse(
        "filings:step_measures", args=[filing.pk]
    )
    filing.refresh_from_db()
    assert filing.scopes == ["work"]


def test_the_enterprise_landing_page_cites_the_entry_restricting_its_industry(
    client, enterprise_user_a, enterprise_user_b
):
    publish_negative_list(("367", ("business",)))
    enterprise_user_b.enterprise.industry_id = "1431"
    enterprise_user_b.enterprise.save()
    client.force_login(enterprise_user_a)
    restricted = client.get(reverse("portal:home"))
    assert [r.scope for r in restricted.context["industry_restrictions"].restrictions] == ["business"]
    html = restricted.content.decode()
    assert "昆防指〔2020〕19号" in html and "暂不能复市" in html and "仍可备案申请复工、复产" in html
    client.force_login(enterprise_user_b)
    assert 'data-testid="industry-restrictions"' not in client.get(reverse("portal:home")).content.decode()


def test_the_commitment_checkbox_has_its_text_to_read(client, enterprise_user_a):
    client.force_login(enterprise_user_a)
    client.post(reverse("filings:start"))
    html = client.get(reverse("filings:step_measures", args=[Filing.objects.get().pk])).content.decode()
    text = html.index('id="commitment-points"')
    assert "对返岗员工逐一登记, 坚持每日两次测温" in html[text:]
    checkbox = html.index('id="id_commitment_accepted"')
    tag = html[html.rindex("<input", 0, checkbox) : checkbox]
    assert text < checkbox and 'aria-describedby="commitment-points"' in tag
    # The same points as the printed commitment letter.
    letter = client.get(reverse("filings:material_template", args=["commitment_letter"])).content.decode()
    assert "对返岗员工逐一登记, 坚持每日两次测温" in letter


def test_a_submitted_filing_cannot_be_edited(client, enterprise_user_a):
    filing = submitted(enterprise_user_a)
    client.force_login(enterprise_user_a)
    response = client.post(reverse("filings:step_scope", args=[filing.pk]), {"scope_business": "on"})
    assert response["Location"] == reverse("filings:detail", args=[filing.pk])
    filing.refresh_from_db()
    assert not filing.scope_business


def test_material_templates(client, enterprise_user_a):
    client.force_login(enterprise_user_a)
    letter = client.get(reverse("filings:material_template", args=["commitment_letter"])).content.decode()
    assert enterprise_user_a.enterprise.name in letter and enterprise_user_a.enterprise.credit_code in letter
    roster = client.get(reverse("filings:material_template", args=["roster"]))
    assert roster["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(reverse("filings:material_template", args=["nonsense"])).status_code == 404


# --- Materials are served only in scope ------------------------------------------------------------


def test_materials_are_served_inline_with_safe_headers(client, enterprise_user_a, district_staff_a):
    filing = submitted(enterprise_user_a)
    material = filing.materials.get(kind="prevention_plan")
    client.force_login(district_staff_a)
    response = client.get(reverse("filings:material", args=[material.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content) == PDF
    assert not material.file.name.endswith(material.original_name)


def test_staff_never_see_an_unsent_draft(client, enterprise_user_a, district_staff_a):
    draft = complete_draft(enterprise_user_a)
    client.force_login(district_staff_a)
    assert client.get(reverse("filings:detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("filings:material", args=[draft.materials.first().pk])).status_code == 404


# --- Staff queue --------------------------------------------------------------------------------


def _filing_for_new_enterprise(district, **enterprise_fields):
    user = UserFactory(enterprise_user=True, enterprise=EnterpriseFactory(district=district, **enterprise_fields))
    return submitted(user)


def test_queue_lists_oldest_first_and_marks_overdue(client, district_a, district_staff_a):
    with time_machine.travel(dt.datetime(2020, 3, 5, 9, 0, tzinfo=SHANGHAI), tick=False):
        old = _filing_for_new_enterprise(district_a)
    new = _filing_for_new_enterprise(district_a)
    client.force_login(district_staff_a)
    response = client.get(reverse("filings:queue"))
    assert [f.pk for f in response.context["page"]] == [old.pk, new.pk]
    assert "已超期" in response.content.decode()
    overdue = client.get(reverse("filings:queue") + "?status=submitted&overdue=on")
    assert [f.pk for f in overdue.context["page"]] == [old.pk]


def test_queue_filters(client, district_a, district_b, commander):
    key = _filing_for_new_enterprise(district_a, is_key=True)
    other = _filing_for_new_enterprise(district_b, is_above_scale=True)
    client.force_login(commander)

    def pks(query):
        return [f.pk for f in client.get(reverse("filings:queue") + "?" + query).context["page"]]

    assert pks("status=submitted&key=on") == [key.pk]
    assert pks(f"status=submitted&district={district_b.pk}") == [other.pk]
    assert pks("status=submitted&above_scale=on") == [other.pk]
    assert pks(f"q={key.reference}") == [key.pk]


def test_queue_query_count_does_not_grow(client, district_a, district_staff_a):
    _filing_for_new_enterprise(district_a)
    client.force_login(district_staff_a)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("filings:queue"))
        return len(ctx.captured_queries)

    few = count()
    for _ in range(5):
        _filing_for_new_enterprise(district_a, is_key=True)
    assert count() == few


def test_staff_decide_through_the_page(client, enterprise_user_a, district_staff_a):
    filing = submitted(enterprise_user_a)
    client.force_login(district_staff_a)
    page = client.get(reverse("filings:detail", args=[filing.pk]))
    assert "decision_form" in page.context
    response = client.post(
        reverse("filings:decide", args=[filing.pk]),
        {"action": "return", "comment": "", "reason_commitment_letter": "未盖章"},
    )
    assert response["Location"] == reverse("filings:queue")
    filing.refresh_from_db()
    assert filing.status == S.RETURNED


def test_the_enterprise_sees_why_each_material_was_returned_and_must_correct_it(
    client, enterprise_user_a, district_staff_a
):
    filing = submitted(enterprise_user_a)
    client.force_login(district_staff_a)
    client.post(
        reverse("filings:decide", args=[filing.pk]),
        {"action": "return", "comment": "联系人手机号有误", "reason_commitment_letter": "未盖公章"},
    )
    client.force_login(enterprise_user_a)
    check = reverse("filings:step_check", args=[filing.pk])
    html = client.get(check).content.decode()
    assert "联系人手机号有误" in html and 'name="answer"' not in html  # no submit form: the letter blocks it
    assert "退回原因: 未盖公章 · 须重新上传" in html
    assert "退回原因: 未盖公章 · 须重新上传" in client.get(reverse("filings:detail", args=[filing.pk])).content.decode()
    response = client.post(check, follow=True)
    assert str(services.MSG_RETURNED_MATERIAL % {"kind": "复工复产承诺书(签字盖章)", "reason": "未盖公章"}) in (
        response.content.decode()
    )
    client.post(
        reverse("filings:step_materials", args=[filing.pk]),
        {"kind": "commitment_letter", "file": SimpleUploadedFile("盖章承诺书.pdf", PDF)},
    )
    html = client.get(check).content.decode()
    assert "退回原因: 未盖公章 · 已重新上传" in html and 'name="answer"' in html
    response = client.post(check, {"answer": " "})
    assert str(services.MSG_RETURN_ANSWER_REQUIRED) in response.content.decode()
    filing.refresh_from_db()
    assert filing.status == S.RETURNED
    response = client.post(check, {"answer": "手机号已更正为 13912345679"})
    assert response["Location"] == reverse("filings:receipt", args=[filing.pk])
    client.force_login(district_staff_a)
    assert (
        "企业答复: 手机号已更正为 13912345679"
        in client.get(reverse("filings:detail", args=[filing.pk])).content.decode()
    )


@pytest.mark.parametrize(
    ("action", "data", "status"),
    [
        ("approve", {}, S.APPROVED),
        ("return", {"reason_roster": "缺少岗位"}, S.RETURNED),
        ("reject", {"comment": "属于负面清单行业"}, S.REJECTED),
    ],
)
def test_the_decision_message_says_what_was_decided(client, enterprise_user_a, district_staff_a, action, data, status):
    filing = submitted(enterprise_user_a)
    client.force_login(district_staff_a)
    response = client.post(reverse("filings:decide", args=[filing.pk]), {"action": action, **data}, follow=True)
    filing.refresh_from_db()
    assert filing.status == status
    assert [str(m) for m in response.context["messages"]] == [
        str(views.MSG_DECIDED[action] % {"reference": filing.reference})
    ]


def test_reject_without_a_reason_shows_the_message(client, enterprise_user_a, district_staff_a):
    filing = submitted(enterprise_user_a)
    client.force_login(district_staff_a)
    response = client.post(
        reverse("filings:decide", args=[filing.pk]), {"action": "reject", "comment": ""}, follow=True
    )
    assert str(services.MSG_REASON_REQUIRED) in response.content.decode()
    filing.refresh_from_db()
    assert filing.status == S.SUBMITTED


def test_bulk_approve_only_touches_filings_in_scope(client, district_a, district_b, district_staff_a):
    mine = [_filing_for_new_enterprise(district_a) for _ in range(3)]
    theirs = _filing_for_new_enterprise(district_b)
    client.force_login(district_staff_a)
    client.post(reverse("filings:bulk_approve"), {"filings": [f.pk for f in mine] + [theirs.pk]})
    assert set(Filing.objects.filter(status=S.APPROVED).values_list("pk", flat=True)) == {f.pk for f in mine}
    theirs.refresh_from_db()
    assert theirs.status == S.SUBMITTED


def test_commanders_and_authorities_read_the_queue_but_cannot_decide(
    client, enterprise_user_a, commander, authority_staff
):
    filing = submitted(enterprise_user_a)
    for user in (commander, authority_staff):
        client.force_login(user)
        assert client.get(reverse("filings:queue")).status_code == 200
        assert client.post(reverse("filings:decide", args=[filing.pk]), {"action": "approve"}).status_code == 403
        assert client.post(reverse("filings:bulk_approve"), {"filings": [filing.pk]}).status_code == 403
    filing.refresh_from_db()
    assert filing.status == S.SUBMITTED


def test_queue_export_has_status_and_decision_per_row(client, enterprise_user_a, district_staff_a):
    filing = submitted(enterprise_user_a)
    services.filing_approve(filing=filing, approved_by=district_staff_a, comment="同意")
    client.force_login(district_staff_a)
    workbook = open_workbook(client.get(reverse("filings:queue_export") + "?status=").content)
    rows = [row for row in workbook.active.iter_rows(values_only=True) if row and row[0] == filing.reference]
    assert rows and rows[0][8] == "审核通过" and rows[0][11] == "同意"


def test_enterprise_sees_the_decision_and_timeline(client, enterprise_user_a, district_staff_a):
    filing = submitted(enterprise_user_a)
    services.filing_approve(filing=filing, approved_by=district_staff_a)
    client.force_login(enterprise_user_a)
    page = client.get(reverse("filings:detail", args=[filing.pk]))
    assert [e.to_status for e in page.context["events"]] == [S.SUBMITTED, S.APPROVED]
    assert "审核通过" in page.content.decode()


def test_enterprise_records_resumption_on_the_page(client, enterprise_user_a):
    filing = submitted(enterprise_user_a)
    client.force_login(enterprise_user_a)
    client.post(reverse("filings:resumption", args=[filing.pk]), {"work": "2020-03-09"})
    filing.refresh_from_db()
    assert filing.resumed_work_on == dt.date(2020, 3, 9)
