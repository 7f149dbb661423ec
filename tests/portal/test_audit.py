"""The audit page (issue 20, item 4): who changed what and when, scoped like everything else; disclosures of full
ID numbers with their reasons; filterable and exportable; personal values never shown."""

import io

import openpyxl
import pytest
from django.urls import reverse

from accounts.models import User
from passes.models import IdNumberDisclosure, Worker
from passes.services.roster import worker_id_number_disclose, worker_update
from tests.passes.factories import WorkerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def changed_worker(enterprise_user_a, client):
    worker = WorkerFactory(enterprise=enterprise_user_a.enterprise, name="王五", test_result="none")
    worker_update(
        worker=worker,
        data={"test_result": "negative", "tested_on": worker.arrived_on, "name": "王五一"},
        id_number=None,
        updated_by=enterprise_user_a,
    )
    return worker


def _page(client, user, **params):
    client.force_login(user)
    return client.get(reverse("portal:audit"), params)


def test_district_staff_see_who_changed_their_districts_workers_and_what(
    client, changed_worker, district_staff_a, enterprise_user_a
):
    response = _page(client, district_staff_a, kind="worker")
    assert response.status_code == 200
    (row, created) = response.context["rows"]  # the change, then the creation
    assert row["record"].id == changed_worker.pk and row["record"].history_type == "~"
    changes = {str(change["field"]): change for change in row["changes"]}
    assert changes["核酸检测结果"]["after"] != "negative"  # shown by its label, not its code
    assert changes["姓名"]["personal"] and changes["姓名"]["after"] is None  # a name: only that it changed
    table = response.content.decode().split('data-testid="audit-table"')[1].split("</table>")[0]
    assert "姓名: 已修改" in table and "王五 →" not in table and "→ 王五一" not in table
    assert created["record"].history_type == "+"


def test_another_district_sees_none_of_it_and_the_city_sees_all(client, changed_worker, district_staff_b, commander):
    assert list(_page(client, district_staff_b, kind="worker").context["rows"]) == []
    assert len(_page(client, commander, kind="worker").context["rows"]) == 2


@pytest.mark.parametrize("role", ["enterprise_user_a", "checkpoint_staff", "authority_staff"])
def test_other_roles_are_refused(client, role, request):
    assert _page(client, request.getfixturevalue(role)).status_code == 403


def test_disclosures_are_listed_with_their_reasons_within_scope(
    client, changed_worker, district_staff_a, district_staff_b
):
    worker_id_number_disclose(worker=changed_worker, user=district_staff_a, reason="核对返岗申请")
    (row,) = _page(client, district_staff_a, kind="disclosure").context["rows"]
    assert row["record"].reason == "核对返岗申请" and row["record"].kind == IdNumberDisclosure.Kind.VIEW
    assert list(_page(client, district_staff_b, kind="disclosure").context["rows"]) == []


def test_filters_by_actor_and_day(client, changed_worker, district_staff_a, enterprise_user_a):
    assert len(_page(client, district_staff_a, kind="worker", actor=enterprise_user_a.username).context["rows"]) == 1
    assert _page(client, district_staff_a, kind="worker", actor="nobody").context["rows"] == []
    assert _page(client, district_staff_a, kind="worker", since="2099-01-01").context["rows"] == []


def test_the_export_holds_the_filtered_rows(client, changed_worker, district_staff_a):
    response = _page(client, district_staff_a, kind="worker", export="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert any("核酸检测结果" in value for value in values)
    assert any("姓名: 已修改" in value for value in values)
    assert not any("→ 王五一" in value for value in values)


def test_the_page_costs_the_same_queries_with_five_or_fifty_changes(
    client, district_staff_a, enterprise_user_a, django_assert_max_num_queries
):
    workers = WorkerFactory.create_batch(5, enterprise=enterprise_user_a.enterprise)
    client.force_login(district_staff_a)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("portal:audit"), {"kind": "worker"})
    for worker in workers + WorkerFactory.create_batch(20, enterprise=enterprise_user_a.enterprise):
        worker_update(worker=worker, data={"job": "装配工"}, id_number=None, updated_by=enterprise_user_a)
    with django_assert_max_num_queries(len(few)):
        client.get(reverse("portal:audit"), {"kind": "worker"})


def test_imports_and_sign_ins_leave_the_right_history(client, district_staff_a):
    from accounts.models import User as UserModel

    before = UserModel.history.count()
    client.post(reverse("accounts:login"), {"username": district_staff_a.username, "password": "x"})
    client.force_login(district_staff_a)
    assert UserModel.history.count() == before  # signing in is not a change to the account
    assert Worker.history.model is not None and User.history.model is not None


def test_a_workers_home_address_and_temperature_are_shown_only_as_changed(client, enterprise_user_a, district_staff_a):
    worker = WorkerFactory(enterprise=enterprise_user_a.enterprise, residence_address="前进路1号")
    worker_update(
        worker=worker,
        data={"residence_address": "朝阳路9号", "temperature": "37.9"},
        id_number=None,
        updated_by=enterprise_user_a,
    )
    response = _page(client, district_staff_a, kind="worker")
    changes = {str(change["field"]): change for change in response.context["rows"][0]["changes"]}
    assert changes["居住地址"]["personal"] and changes["居住地址"]["after"] is None
    assert changes["最近体温(℃)"]["personal"] and changes["最近体温(℃)"]["after"] is None
    table = response.content.decode().split('data-testid="audit-table"')[1].split("</table>")[0]
    assert "朝阳路9号" not in table and "前进路1号" not in table and "37.9" not in table


def test_commanders_read_who_viewed_full_id_numbers_and_why(client, enterprise_user_a, district_staff_a, commander):
    worker = WorkerFactory(enterprise=enterprise_user_a.enterprise)
    worker_id_number_disclose(worker=worker, user=district_staff_a, reason="核查返岗人员身份")
    response = _page(client, commander, kind="disclosure")
    assert response.status_code == 200
    page = response.content.decode()
    assert "核查返岗人员身份" in page and district_staff_a.username in page or district_staff_a.full_name in page
