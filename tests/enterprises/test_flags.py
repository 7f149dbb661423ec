"""Clause 6: district staff and industry authorities flag key enterprises and chain leaders within their scope."""

import pytest
from django.urls import reverse

from accounts.models import Role
from enterprises import services
from enterprises.models import Enterprise
from reference.models import Industry, IndustryAuthority
from tests.excel_helpers import open_workbook, xlsx_upload
from tests.factories import EnterpriseFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADERS = ["统一社会信用代码", "重点企业", "产业链龙头企业"]


@pytest.fixture
def health_bureau(db):
    return UserFactory(authority_staff=True, industry_authority=IndustryAuthority.objects.get(code="wjw"))


@pytest.fixture
def gxj_staff(db):
    return UserFactory(authority_staff=True, industry_authority=IndustryAuthority.objects.get(code="gxj"))


def test_district_staff_flag_an_enterprise_of_their_district(client, district_staff_a, enterprise_a):
    client.force_login(district_staff_a)
    response = client.post(reverse("enterprises:flags", args=[enterprise_a.pk]), {"is_key": "on"})
    assert response.status_code == 302
    enterprise_a.refresh_from_db()
    assert (enterprise_a.is_key, enterprise_a.is_chain_leader) == (True, False)
    latest = enterprise_a.history.latest()
    assert latest.history_user == district_staff_a and latest.is_key


def test_an_industry_authority_flags_enterprises_of_its_industries_only(client, gxj_staff, enterprise_a):
    client.force_login(gxj_staff)
    assert client.get(reverse("enterprises:flags", args=[enterprise_a.pk])).status_code == 200
    client.post(reverse("enterprises:flags", args=[enterprise_a.pk]), {"is_chain_leader": "on"})
    enterprise_a.refresh_from_db()
    assert (enterprise_a.is_key, enterprise_a.is_chain_leader) == (False, True)
    hospital = EnterpriseFactory(industry=Industry.objects.get(code="8411"))
    assert client.post(reverse("enterprises:flags", args=[hospital.pk]), {"is_key": "on"}).status_code == 404
    assert not Enterprise.objects.get(pk=hospital.pk).is_key


def test_unflagging_clears_both(client, district_staff_a, enterprise_a):
    Enterprise.objects.filter(pk=enterprise_a.pk).update(is_key=True, is_chain_leader=True)
    client.force_login(district_staff_a)
    client.post(reverse("enterprises:flags", args=[enterprise_a.pk]), {})
    enterprise_a.refresh_from_db()
    assert (enterprise_a.is_key, enterprise_a.is_chain_leader) == (False, False)


def test_enterprises_checkpoints_and_commanders_cannot_flag(client, enterprise_user_a, checkpoint_staff, commander):
    for user in (enterprise_user_a, checkpoint_staff, commander):
        client.force_login(user)
        response = client.post(reverse("enterprises:flags", args=[enterprise_user_a.enterprise_id]), {"is_key": "on"})
        assert response.status_code in (403, 404), user.role
        assert client.get(reverse("enterprises:flags_import")).status_code == 403
    assert not Enterprise.objects.get(pk=enterprise_user_a.enterprise_id).is_key


def test_the_service_refuses_an_enterprise_out_of_scope(district_staff_a, enterprise_b):
    with pytest.raises(services.PermissionDenied):
        services.enterprise_flags_set(
            enterprise=enterprise_b, is_key=True, is_chain_leader=False, set_by=district_staff_a
        )
    assert not Enterprise.objects.get(pk=enterprise_b.pk).is_key


def _import(client, user, rows):
    client.force_login(user)
    return client.post(reverse("enterprises:flags_import"), {"file": xlsx_upload(HEADERS, rows)})


def test_an_import_flags_every_row(client, district_staff_a, district_a):
    one, two = EnterpriseFactory(district=district_a), EnterpriseFactory(district=district_a, is_key=True)
    response = _import(client, district_staff_a, [[one.credit_code, "是", "是"], [two.credit_code, "否", "否"]])
    assert response.status_code == 302
    one.refresh_from_db(), two.refresh_from_db()
    assert (one.is_key, one.is_chain_leader, two.is_key) == (True, True, False)
    assert one.history.latest().history_user == district_staff_a


def test_an_import_naming_an_enterprise_out_of_scope_changes_nothing(
    client, district_staff_a, district_a, enterprise_b
):
    mine = EnterpriseFactory(district=district_a)
    response = _import(
        client, district_staff_a, [[mine.credit_code, "是", "否"], [enterprise_b.credit_code, "是", "否"]]
    )
    assert response.status_code == 200
    assert str(services.MSG_FLAGS_OUT_OF_SCOPE) in response.content.decode()
    assert not Enterprise.objects.filter(pk__in=[mine.pk, enterprise_b.pk], is_key=True).exists()


def test_an_import_with_an_unknown_code_a_duplicate_or_a_bad_flag_changes_nothing(client, district_staff_a, district_a):
    mine = EnterpriseFactory(district=district_a)
    unknown = "91320583MA1M00000G"
    for rows in (
        [[mine.credit_code, "是", "否"], [unknown, "是", "否"]],
        [[mine.credit_code, "是", "否"], [mine.credit_code, "否", "否"]],
        [[mine.credit_code, "也许", "否"]],
        [[mine.credit_code, "", "否"]],
    ):
        response = _import(client, district_staff_a, rows)
        assert response.status_code == 200, rows
        assert "error_token" in response.context or response.context["errors"], rows
    assert not Enterprise.objects.get(pk=mine.pk).is_key


def test_an_authority_imports_flags_for_its_industries(client, gxj_staff, district_a, district_b):
    car_parts = EnterpriseFactory(district=district_b)  # 3670, under 工信局's section C
    hospital = EnterpriseFactory(district=district_a, industry=Industry.objects.get(code="8411"))
    assert _import(client, gxj_staff, [[car_parts.credit_code, "否", "是"]]).status_code == 302
    assert Enterprise.objects.get(pk=car_parts.pk).is_chain_leader
    assert _import(client, gxj_staff, [[hospital.credit_code, "是", "否"]]).status_code == 200
    assert not Enterprise.objects.get(pk=hospital.pk).is_key


def test_the_template_lists_the_flagged_enterprises_in_scope_and_imports_back(
    client, district_staff_a, district_a, district_b
):
    flagged = EnterpriseFactory(district=district_a, is_key=True)
    EnterpriseFactory(district=district_a)  # not flagged: not listed
    other = EnterpriseFactory(district=district_b, is_key=True)
    client.force_login(district_staff_a)
    response = client.get(reverse("enterprises:flags_template"))
    content = b"".join(response.streaming_content) if response.streaming else response.content
    rows = [[cell.value for cell in row] for row in open_workbook(content).worksheets[0].iter_rows()]
    assert rows[0] == HEADERS
    assert [row[0] for row in rows[1:]] == [flagged.credit_code]
    assert _import(client, district_staff_a, rows[1:]).status_code == 302
    assert Enterprise.objects.get(pk=flagged.pk).is_key and Enterprise.objects.get(pk=other.pk).is_key


def test_flag_roles_are_the_districts_the_authorities_and_the_administrators():
    assert set(services.FLAG_ROLES) == {Role.DISTRICT_STAFF, Role.AUTHORITY_STAFF, Role.ADMIN}
