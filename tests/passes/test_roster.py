"""The roster pages: adding and editing workers, the list with today's decisions, and full ID numbers."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.validators import MSG_MOBILE_INVALID
from passes.eligibility import Decision
from passes.models import IdNumberDisclosure, Worker
from passes.personal_data import MSG_ID_NUMBER_INVALID, decrypt_id_number, id_number_digest
from passes.services import roster as services
from reference.models import Community, District
from tests.factories import EnterpriseFactory, UserFactory
from tests.passes.factories import HIGH_RISK_ORIGIN, LOW_RISK_ORIGIN, WorkerFactory, division, id_number

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2020, 3, 9, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _march_2020():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def origin(db):
    return division(LOW_RISK_ORIGIN, "四川省广安市广安区")


def _form(**overrides) -> dict:
    """What the worker form posts for a worker who came back a week ago and lives in 开发区."""
    kfq = District.objects.get(code="kfq")
    data = {
        "name": "张三",
        "id_number": id_number(1),
        "mobile": "13912345678",
        "origin": LOW_RISK_ORIGIN,
        "arrived_on": "2020-03-02",
        "quarantine_status": "home",
        "quarantine_started_on": "2020-03-02",
        "temperature": "36.6",
        "temperature_taken_at": "2020-03-09T08:30",
        "test_result": "none",
        "tested_on": "",
        "residence_district": kfq.pk,
        "residence_community": kfq.communities.first().pk,
        "residence_address": "昆山市前进路100号",
        "housing_331_compliant": "on",
        "job": "操作工",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- adding and editing a worker ---------------------------------------------------------------------


def _options(form, name: str) -> list[str]:
    return [str(label) for value, label in form.fields[name].widget.choices if value != ""]


def test_the_community_list_follows_the_chosen_district(client, enterprise_user_a, district_b):
    """Issue 12: the list offered every community of the city whatever the district."""
    in_kfq = [f"{district_b.name} · {c.name}" for c in district_b.communities.order_by("code")]
    client.force_login(enterprise_user_a)
    form = client.get(reverse("passes:roster_create")).context["form"]
    assert len(_options(form, "residence_community")) == Community.objects.count()  # none chosen yet: all
    district = form["residence_district"].field.widget.attrs
    assert (district["hx-get"], district["hx-trigger"], district["hx-target"]) == (
        reverse("passes:roster_communities"),
        "change",
        "#id_residence_community",
    )
    response = client.get(reverse("passes:roster_communities"), {"residence_district": district_b.pk})
    html = response.content.decode()
    assert response.status_code == 200 and all(label in html for label in in_kfq)
    assert html.count("<option") == len(in_kfq) + 1 and "张浦镇" not in html
    worker = WorkerFactory(enterprise=enterprise_user_a.enterprise, residence_district=district_b)
    edit = client.get(reverse("passes:roster_edit", args=[worker.pk])).context["form"]
    assert _options(edit, "residence_community") == in_kfq


def test_only_roster_keepers_read_the_community_list(client, commander, district_b):
    client.force_login(commander)
    assert client.get(reverse("passes:roster_communities"), {"residence_district": district_b.pk}).status_code == 403


def test_an_enterprise_adds_a_worker_whose_id_number_is_stored_encrypted_and_masked(client, enterprise_user_a):
    client.force_login(enterprise_user_a)
    response = client.post(reverse("passes:roster_create"), _form(id_number=id_number(1).lower()))
    assert response["Location"] == reverse("passes:roster")
    worker = Worker.objects.get()
    number = id_number(1)
    assert worker.enterprise == enterprise_user_a.enterprise
    assert worker.id_number_masked == f"{number[:6]}********{number[-4:]}"
    assert worker.id_number_digest == id_number_digest(number)
    assert number not in worker.id_number_encrypted and decrypt_id_number(worker.id_number_encrypted) == number
    assert worker.temperature_taken_at == dt.datetime(2020, 3, 9, 8, 30, tzinfo=SHANGHAI)
    assert worker.origin_id == LOW_RISK_ORIGIN and worker.housing_331_compliant


def test_the_same_id_number_twice_on_one_roster_is_refused(client, enterprise_user_a):
    WorkerFactory(enterprise=enterprise_user_a.enterprise, id_number=id_number(1), name="张三")
    client.force_login(enterprise_user_a)
    response = client.post(reverse("passes:roster_create"), _form(name="张叁"))
    assert response.status_code == 200
    assert response.context["form"].errors["id_number"] == [str(services.MSG_DUPLICATE_ID % {"name": "张三"})]
    assert Worker.objects.count() == 1


def test_the_same_person_may_be_on_two_enterprises_rosters(enterprise_user_a, enterprise_user_b):
    for user in (enterprise_user_a, enterprise_user_b):
        services.worker_create(enterprise=user.enterprise, id_number=id_number(1), created_by=user, data=_model_data())
    assert Worker.objects.filter(id_number_digest=id_number_digest(id_number(1))).count() == 2


def _model_data() -> dict:
    kfq = District.objects.get(code="kfq")
    return {
        "name": "张三",
        "mobile": "13912345678",
        "origin_id": LOW_RISK_ORIGIN,
        "residence_district": kfq,
        "residence_address": "昆山市前进路100号",
    }


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"id_number": id_number(1)[:17] + ("1" if id_number(1)[17] != "1" else "2")},
            "id_number",
            MSG_ID_NUMBER_INVALID,
        ),  # wrong check digit
        ({"mobile": "1391234567"}, "mobile", MSG_MOBILE_INVALID),
        (
            {"temperature": "33.9"},
            "temperature",
            services.MSG_TEMPERATURE_RANGE % {"min": services.TEMPERATURE_MIN, "max": services.TEMPERATURE_MAX},
        ),
        (
            {"temperature": "43.1"},
            "temperature",
            services.MSG_TEMPERATURE_RANGE % {"min": services.TEMPERATURE_MIN, "max": services.TEMPERATURE_MAX},
        ),
        ({"temperature_taken_at": ""}, "temperature_taken_at", services.MSG_TEMPERATURE_NEEDS_TIME),
        ({"temperature": ""}, "temperature", services.MSG_TIME_NEEDS_TEMPERATURE),
        ({"temperature_taken_at": "2020-03-09T10:30"}, "temperature_taken_at", services.MSG_TIME_IN_FUTURE),
        ({"test_result": "negative"}, "tested_on", services.MSG_TEST_NEEDS_DATE),
        ({"tested_on": "2020-03-10", "test_result": "negative"}, "tested_on", services.MSG_DATE_IN_FUTURE),
        ({"arrived_on": "2020-03-10"}, "arrived_on", services.MSG_DATE_IN_FUTURE),
        ({"quarantine_started_on": ""}, "quarantine_started_on", services.MSG_QUARANTINE_NEEDS_START),
        ({"residence_community": "zhangpu"}, "residence_community", services.MSG_COMMUNITY_NOT_IN_DISTRICT),
    ],
)
def test_a_bad_entry_is_refused_with_its_message(client, enterprise_user_a, overrides, field, message):
    if overrides.get("residence_community") == "zhangpu":
        overrides["residence_community"] = Community.objects.filter(district__code="zhangpu").first().pk
    client.force_login(enterprise_user_a)
    response = client.post(reverse("passes:roster_create"), _form(**overrides))
    assert response.status_code == 200
    assert str(message) in response.context["form"].errors[field]
    assert not Worker.objects.exists()


def test_an_origin_must_be_a_known_division(client, enterprise_user_a):
    client.force_login(enterprise_user_a)
    response = client.post(reverse("passes:roster_create"), _form(origin="999999"))
    assert "origin" in response.context["form"].errors
    assert not Worker.objects.exists()


def test_the_origin_search_offers_divisions_by_name_and_code(client, enterprise_user_a):
    division(HIGH_RISK_ORIGIN, "湖北省武汉市江岸区")
    client.force_login(enterprise_user_a)
    by_name = client.get(reverse("passes:roster_origins"), {"origin_search": "广安"}, HTTP_HX_REQUEST="true")
    assert f'<option value="{LOW_RISK_ORIGIN}">' in by_name.content.decode()
    by_code = client.get(reverse("passes:roster_origins"), {"origin_search": "4201"}).content.decode()
    assert f'<option value="{HIGH_RISK_ORIGIN}">' in by_code and LOW_RISK_ORIGIN not in by_code


def test_the_form_lists_only_the_chosen_origin(client, enterprise_user_a):
    worker = WorkerFactory(enterprise=enterprise_user_a.enterprise)
    division(HIGH_RISK_ORIGIN, "湖北省武汉市江岸区")
    client.force_login(enterprise_user_a)
    html = client.get(reverse("passes:roster_edit", args=[worker.pk])).content.decode()
    assert f'<option value="{LOW_RISK_ORIGIN}" selected>' in html and HIGH_RISK_ORIGIN not in html


def test_editing_keeps_the_id_number_when_left_blank(client, enterprise_user_a):
    worker = WorkerFactory(enterprise=enterprise_user_a.enterprise, id_number=id_number(7))
    client.force_login(enterprise_user_a)
    response = client.post(
        reverse("passes:roster_edit", args=[worker.pk]), _form(id_number="", mobile="13700000001", name=worker.name)
    )
    assert response["Location"] == reverse("passes:roster_detail", args=[worker.pk])
    worker.refresh_from_db()
    assert worker.mobile == "13700000001" and decrypt_id_number(worker.id_number_encrypted) == id_number(7)


def test_editing_to_an_id_number_already_on_the_roster_is_refused(client, enterprise_user_a):
    enterprise = enterprise_user_a.enterprise
    WorkerFactory(enterprise=enterprise, id_number=id_number(1), name="张三")
    worker = WorkerFactory(enterprise=enterprise, id_number=id_number(2), name="李四")
    client.force_login(enterprise_user_a)
    response = client.post(reverse("passes:roster_edit", args=[worker.pk]), _form(id_number=id_number(1), name="李四"))
    assert response.context["form"].errors["id_number"] == [str(services.MSG_DUPLICATE_ID % {"name": "张三"})]
    worker.refresh_from_db()
    assert worker.id_number_digest == id_number_digest(id_number(2))


def test_editing_to_a_new_id_number_replaces_it(client, enterprise_user_a):
    worker = WorkerFactory(enterprise=enterprise_user_a.enterprise, id_number=id_number(2), name="李四")
    client.force_login(enterprise_user_a)
    client.post(reverse("passes:roster_edit", args=[worker.pk]), _form(id_number=id_number(3), name="李四"))
    worker.refresh_from_db()
    assert decrypt_id_number(worker.id_number_encrypted) == id_number(3)
    assert worker.id_number_masked.endswith(id_number(3)[-4:])


def test_district_staff_read_but_do_not_edit(client, enterprise_user_a, district_staff_a):
    worker = WorkerFactory(enterprise=enterprise_user_a.enterprise)
    client.force_login(district_staff_a)
    assert client.get(reverse("passes:roster_detail", args=[worker.pk])).status_code == 200
    assert client.get(reverse("passes:roster_edit", args=[worker.pk])).status_code == 403
    assert client.get(reverse("passes:roster_create")).status_code == 403
    assert client.get(reverse("passes:roster_import")).status_code == 403
    assert client.get(reverse("passes:roster_export")).status_code == 403


def test_services_refuse_another_enterprises_roster(enterprise_user_a, enterprise_user_b):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.worker_create(
            enterprise=enterprise_user_a.enterprise,
            id_number=id_number(1),
            data=_model_data(),
            created_by=enterprise_user_b,
        )
    assert not Worker.objects.exists()


# --- the list ----------------------------------------------------------------------------------------


def test_the_roster_shows_each_worker_masked_with_todays_decision_and_reason(client, enterprise_user_a):
    worker = WorkerFactory(enterprise=enterprise_user_a.enterprise, name="王五", temperature="38.2")
    client.force_login(enterprise_user_a)
    response = client.get(reverse("passes:roster"))
    (row,) = response.context["roster"].rows
    assert row.worker == worker and row.eligibility.decision == Decision.NOT_FIT
    html = response.content.decode()
    assert worker.id_number_masked in html and "四川省广安市广安区" in html and row.eligibility.reason in html
    assert "38.2" in html and "跨区镇" in html


@pytest.mark.parametrize("decision", [Decision.ELIGIBLE, Decision.NOT_YET, Decision.NOT_FIT])
def test_the_roster_filters_by_todays_decision(client, enterprise_user_a, decision):
    enterprise = enterprise_user_a.enterprise
    workers = {
        Decision.ELIGIBLE: WorkerFactory(enterprise=enterprise),
        Decision.NOT_YET: WorkerFactory(enterprise=enterprise, arrived_on=None, quarantine_started_on=None),
        Decision.NOT_FIT: WorkerFactory(enterprise=enterprise, temperature="38.0"),
    }
    client.force_login(enterprise_user_a)
    response = client.get(reverse("passes:roster"), {"decision": decision})
    assert [row.worker for row in response.context["roster"].rows] == [workers[decision]]
    assert response.context["page"].paginator.count == 1


def test_the_decision_follows_the_risk_list_in_force(client, enterprise_user_a):
    from tests.passes.factories import published_risk_list

    published_risk_list()
    WorkerFactory(enterprise=enterprise_user_a.enterprise, origin=division(HIGH_RISK_ORIGIN))
    client.force_login(enterprise_user_a)
    (row,) = client.get(reverse("passes:roster"), {"decision": Decision.NOT_YET}).context["roster"].rows
    assert row.eligibility.risk.level == "high"


def test_the_roster_filters_workers_living_in_another_district(client, enterprise_user_a):
    enterprise = enterprise_user_a.enterprise
    away = WorkerFactory(enterprise=enterprise)  # lives in 开发区, works in 张浦镇
    WorkerFactory(enterprise=enterprise, residence_district=enterprise.district)
    client.force_login(enterprise_user_a)
    response = client.get(reverse("passes:roster"), {"other_district": "on"})
    assert [row.worker for row in response.context["roster"].rows] == [away]


@pytest.mark.parametrize("query", ["赵六", "1370000"])
def test_the_roster_searches_by_name_and_mobile(client, enterprise_user_a, query):
    enterprise = enterprise_user_a.enterprise
    wanted = WorkerFactory(enterprise=enterprise, name="赵六", mobile="13700000099", id_number=id_number(9))
    WorkerFactory(enterprise=enterprise, name="钱七", mobile="13900000001")
    client.force_login(enterprise_user_a)
    response = client.get(reverse("passes:roster"), {"q": query})
    assert [row.worker for row in response.context["roster"].rows] == [wanted]


def test_district_staff_see_the_workers_of_their_districts_enterprises(
    client, district_a, district_b, district_staff_a
):
    mine = WorkerFactory(enterprise=EnterpriseFactory(district=district_a))
    WorkerFactory(enterprise=EnterpriseFactory(district=district_b))
    client.force_login(district_staff_a)
    response = client.get(reverse("passes:roster"))
    assert [row.worker for row in response.context["roster"].rows] == [mine]
    assert mine.enterprise.name in response.content.decode()


@pytest.mark.parametrize("role", ["authority_staff", "checkpoint_staff", "commander"])
def test_other_roles_do_not_use_the_roster(client, role, request):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("passes:roster")).status_code == 403


def _query_count(client, url, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("params", [{}, {"decision": Decision.ELIGIBLE}, {"q": "工人", "other_district": "on"}])
@pytest.mark.parametrize("viewer", ["enterprise_user_a", "district_staff_a"])
def test_the_roster_query_count_does_not_grow_with_its_length(
    client, enterprise_user_a, viewer, params, request, django_assert_max_num_queries
):
    from tests.passes.factories import published_risk_list

    published_risk_list()
    client.force_login(request.getfixturevalue(viewer))
    url = reverse("passes:roster")
    WorkerFactory.create_batch(5, enterprise=enterprise_user_a.enterprise)
    with_five = _query_count(client, url, params)
    WorkerFactory.create_batch(
        45, enterprise=enterprise_user_a.enterprise, origin=division(HIGH_RISK_ORIGIN), residence_community=None
    )
    with django_assert_max_num_queries(with_five):
        response = client.get(url, params)
    assert len(response.context["roster"].rows) == (5 if params.get("decision") else 50)
    assert with_five <= 12


# --- full ID numbers ---------------------------------------------------------------------------------


def test_district_staff_see_a_full_id_number_after_giving_a_reason(
    client, enterprise_user_a, district_staff_a, log_records
):
    worker = WorkerFactory(enterprise=enterprise_user_a.enterprise, id_number=id_number(5))
    client.force_login(district_staff_a)
    url = reverse("passes:roster_id_number", args=[worker.pk])
    assert id_number(5) not in client.get(url).content.decode()
    response = client.post(url, {"reason": "核对通行证申请"})
    assert id_number(5) in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    disclosure = IdNumberDisclosure.objects.get()
    assert (disclosure.kind, disclosure.reason, disclosure.user, disclosure.enterprise, disclosure.worker) == (
        IdNumberDisclosure.Kind.VIEW,
        "核对通行证申请",
        district_staff_a,
        worker.enterprise,
        worker,
    )
    # Exactly one record in the personal-data trail, none in the general log (issue 20, item 2).
    (record,) = log_records.personal_data
    assert f"worker={worker.pk}" in record.getMessage() and "核对通行证申请" in record.getMessage()
    assert id_number(5) not in record.getMessage()
    assert (record.user_id, record.role) == (district_staff_a.pk, district_staff_a.role) and record.request_id
    assert not [r for r in log_records.general if "disclos" in r.getMessage() or "核对通行证申请" in r.getMessage()]


def test_a_full_id_number_needs_a_reason(client, enterprise_user_a, district_staff_a):
    worker = WorkerFactory(enterprise=enterprise_user_a.enterprise, id_number=id_number(5))
    client.force_login(district_staff_a)
    response = client.post(reverse("passes:roster_id_number", args=[worker.pk]), {"reason": "  "})
    assert response.context["form"].errors["reason"] == [str(services.MSG_REASON_REQUIRED)]
    assert id_number(5) not in response.content.decode()
    assert not IdNumberDisclosure.objects.exists()


def test_only_district_staff_of_the_enterprises_district_may_see_a_full_id_number(enterprise_user_a, district_staff_b):
    from django.core.exceptions import PermissionDenied

    worker = WorkerFactory(enterprise=enterprise_user_a.enterprise)
    for user in (enterprise_user_a, district_staff_b):
        with pytest.raises(PermissionDenied):
            services.worker_id_number_disclose(worker=worker, user=user, reason="看看")
    assert not IdNumberDisclosure.objects.exists()


def test_the_full_id_number_appears_on_no_roster_page_of_anyone_else(client, enterprise_user_a, district_staff_a):
    worker = WorkerFactory(enterprise=enterprise_user_a.enterprise, id_number=id_number(8))
    full = id_number(8)
    authority = UserFactory(authority_staff=True)  # 工信局 guides the enterprise's industry: it may reach the worker
    commander = UserFactory(role="commander")
    pages = [
        reverse("passes:roster"),
        reverse("passes:roster_detail", args=[worker.pk]),
        reverse("passes:roster_edit", args=[worker.pk]),
        reverse("passes:roster_id_number", args=[worker.pk]),
        reverse("passes:roster") + "?decision=eligible",
    ]
    for user in (enterprise_user_a, district_staff_a, authority, commander):
        client.force_login(user)
        for url in pages:
            response = client.get(url)
            assert full not in response.content.decode(), (user.role, url)
        response = client.post(reverse("passes:roster_id_number", args=[worker.pk]), {"reason": "看看"})
        assert (full in response.content.decode()) == (user == district_staff_a), user.role
