"""The filing attaches the roster the portal keeps, in one click (issue 12, item 9); upload stays the alternative."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from filings import services, views
from filings.models import Filing, FilingMaterial
from tests.excel_helpers import open_workbook
from tests.filings.helpers import complete_draft, submitted
from tests.passes.factories import WorkerFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _march_2020():
    with time_machine.travel(dt.datetime(2020, 3, 9, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


def _rows(material: FilingMaterial) -> list[tuple]:
    with material.file.open("rb") as stored:
        return list(open_workbook(stored.read()).active.iter_rows(values_only=True))


def test_one_click_attaches_the_roster_workbook_written_from_the_portal_roster(client, enterprise_user_a):
    enterprise = enterprise_user_a.enterprise
    WorkerFactory(enterprise=enterprise, name="王一", job="焊工", arrived_on=dt.date(2020, 3, 6))
    second = WorkerFactory(enterprise=enterprise, name="李二", job="")
    WorkerFactory()  # another enterprise's worker stays out
    client.force_login(enterprise_user_a)
    client.post(reverse("filings:start"))
    filing = Filing.objects.get()
    response = client.post(reverse("filings:attach_roster", args=[filing.pk]), follow=True)
    assert [str(m) for m in response.context["messages"]] == [str(views.MSG_ROSTER_ATTACHED % {"count": 2})]
    material = filing.materials.get(kind=FilingMaterial.Kind.ROSTER)
    assert (material.file_kind, material.original_name) == ("xlsx", "员工花名册(平台生成 2020-03-09).xlsx")
    header, *rows = _rows(material)
    assert list(header) == [str(column.header) for column in services.ROSTER_TEMPLATE_COLUMNS]
    assert [row[0] for row in rows] == ["李二", "王一"]  # the roster's order: by name
    li = rows[0]
    assert li[1] == second.id_number_masked and "*" in li[1]  # never the full number
    assert li[2] == second.mobile and li[4] == second.origin.full_name
    assert li[6] == f"{second.residence_district.name} {second.residence_community.name} {second.residence_address}"
    assert rows[1][3] == "焊工" and rows[1][5].date() == dt.date(2020, 3, 6)
    assert 'data-testid="attach-roster"' in response.content.decode()


def test_an_empty_roster_is_refused_with_the_message_and_upload_stays_the_way(client, enterprise_user_a):
    client.force_login(enterprise_user_a)
    client.post(reverse("filings:start"))
    filing = Filing.objects.get()
    response = client.post(reverse("filings:attach_roster", args=[filing.pk]), follow=True)
    assert [str(m) for m in response.context["messages"]] == [str(services.MSG_ROSTER_EMPTY)]
    assert not FilingMaterial.objects.exists()


def test_attaching_replaces_an_uploaded_roster_and_answers_a_returned_one(enterprise_user_a, district_staff_a):
    WorkerFactory(enterprise=enterprise_user_a.enterprise)
    filing = submitted(enterprise_user_a)
    services.filing_return(
        filing=filing, returned_by=district_staff_a, comment="", material_reasons={"roster": "请使用最新花名册"}
    )
    filing.refresh_from_db()
    material, count = services.filing_roster_attach(filing=filing, attached_by=enterprise_user_a)
    assert count == 1 and filing.materials.filter(kind="roster").get() == material
    assert (material.return_reason, material.replaced_after_return) == ("请使用最新花名册", True)
    assert services.filing_submit(filing=filing, submitted_by=enterprise_user_a).status == Filing.Status.SUBMITTED


def test_only_the_enterprise_attaches_and_only_while_it_may_edit(client, enterprise_user_a, enterprise_user_b):
    WorkerFactory(enterprise=enterprise_user_a.enterprise)
    draft = complete_draft(enterprise_user_a)
    client.force_login(enterprise_user_b)
    assert client.post(reverse("filings:attach_roster", args=[draft.pk])).status_code == 404
    services.filing_submit(filing=draft, submitted_by=enterprise_user_a)
    before = draft.materials.get(kind="roster").pk
    client.force_login(enterprise_user_a)
    assert client.post(reverse("filings:attach_roster", args=[draft.pk]))["Location"] == reverse(
        "filings:detail", args=[draft.pk]
    )
    assert draft.materials.get(kind="roster").pk == before
