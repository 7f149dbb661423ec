"""The worker-return lists as workbooks (passes, the check log, chartered trips) and passes printed eight to an
A4 sheet: each scoped as its list, streamed in a constant number of queries, every cell formula-guarded."""

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from passes.models import PassCheck, ReturnPass
from passes.services import return_passes as services
from passes.services import transport as transport_services
from passes.views.return_passes import SHEET_CARDS_PER_PAGE
from reference.models import Community, District
from tests.factories import UserFactory
from tests.passes.factories import LOW_RISK_ORIGIN, applied_passes, division, issued_pass

pytestmark = pytest.mark.django_db
S = ReturnPass.Status


def _zhangpu():
    """Where enterprise_b's workers live: not its own district (kfq), so they need a pass."""
    return District.objects.get(code="zhangpu")


def rows(response) -> list[list]:
    """The data rows under the header (row 3: a heading and the export time come first)."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [list(r) for r in sheet.iter_rows(min_row=4, values_only=True)]


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def issue_many(enterprise_user, district_staff, count: int, **worker) -> list[ReturnPass]:
    passes = applied_passes(enterprise_user, count, **worker)
    result = services.return_pass_issue(pass_ids=[p.pk for p in passes], issued_by=district_staff)
    return result.done


# --- passes ------------------------------------------------------------------------------------------


def test_the_pass_export_is_the_list_of_the_enterprise_with_status(
    client, enterprise_user_a, enterprise_user_b, district_staff_a, district_staff_b
):
    mine = issued_pass(enterprise_user_a, district_staff_a, name="张小三")
    (applied,) = applied_passes(enterprise_user_a, name="李小四")
    other = issued_pass(enterprise_user_b, district_staff_b, name="王小五", residence_district=_zhangpu())
    client.force_login(enterprise_user_a)
    list_page = client.get(reverse("passes:list")).content.decode()
    assert reverse("passes:export") in list_page
    exported = {r[0]: r for r in rows(client.get(reverse("passes:export")))}
    assert set(exported) == {mine.number, applied.number}
    assert exported[mine.number][1] == "张小三" and exported[mine.number][5] == "有效"
    assert exported[applied.number][5] == "待审核" and other.number not in exported
    only_valid = rows(client.get(reverse("passes:export") + "?status=valid"))
    assert [r[0] for r in only_valid] == [mine.number]


def test_headquarters_export_masked_names_like_the_list(client, enterprise_user_a, district_staff_a, commander):
    issued_pass(enterprise_user_a, district_staff_a, name="张小三")
    client.force_login(commander)
    (row,) = rows(client.get(reverse("passes:export")))
    assert row[1] == "张*三"


def test_a_reason_that_looks_like_a_formula_is_exported_as_text(client, enterprise_user_a, district_staff_a):
    return_pass = issued_pass(enterprise_user_a, district_staff_a)
    services.return_pass_revoke(return_pass=return_pass, revoked_by=district_staff_a, reason='=HYPERLINK("x")')
    client.force_login(district_staff_a)
    (row,) = rows(client.get(reverse("passes:export")))
    assert row[9] == '\'=HYPERLINK("x")'


def test_the_pass_export_costs_the_same_queries_for_one_pass_or_many(
    client, enterprise_user_a, district_staff_a, django_assert_max_num_queries
):
    issued_pass(enterprise_user_a, district_staff_a)
    client.force_login(district_staff_a)
    one = queries(client, reverse("passes:export"))
    issue_many(enterprise_user_a, district_staff_a, 6)
    with django_assert_max_num_queries(one):
        assert len(rows(client.get(reverse("passes:export")))) == 7


def test_the_full_name_export_is_in_the_personal_data_trail(client, enterprise_user_a, district_staff_a, log_records):
    issued_pass(enterprise_user_a, district_staff_a, name="张小三")
    client.force_login(enterprise_user_a)
    client.get(reverse("passes:export") + "?q=张小三")
    (record,) = log_records.personal_data
    assert "pass list exported" in record.getMessage() and "张小三" not in record.getMessage()


# --- the check log -------------------------------------------------------------------------------------


def _check(community, number: str, result=PassCheck.Result.VALID, checker=None) -> PassCheck:
    return PassCheck.objects.create(
        checked_at=timezone.now(), pass_number=number, result=result, community=community, checked_by=checker
    )


def test_the_check_log_export_holds_the_checks_the_page_shows(client, checkpoint_staff, district_staff_a):
    here = checkpoint_staff.community
    elsewhere_in_district = Community.objects.filter(district=here.district).exclude(pk=here.pk).first()
    other_district = Community.objects.exclude(district=here.district).first()
    _check(here, "KS00000001", checker=checkpoint_staff)
    _check(here, "KS00000002", PassCheck.Result.REVOKED, checker=checkpoint_staff)
    _check(elsewhere_in_district, "KS00000003")
    _check(other_district, "KS00000004")
    client.force_login(checkpoint_staff)
    assert reverse("passes:checks_export") in client.get(reverse("passes:checks")).content.decode()
    exported = rows(client.get(reverse("passes:checks_export")))
    assert sorted(r[2] for r in exported) == ["KS00000001", "KS00000002"]
    assert {r[3] for r in exported} == {here.name} and {r[4] for r in exported} == {checkpoint_staff.display_name}
    revoked = rows(client.get(reverse("passes:checks_export") + "?result=revoked"))
    assert [(r[1], r[2]) for r in revoked] == [("已吊销", "KS00000002")]
    client.force_login(district_staff_a)
    assert sorted(r[2] for r in rows(client.get(reverse("passes:checks_export")))) == [
        "KS00000001",
        "KS00000002",
        "KS00000003",
    ]


def test_the_check_log_export_is_for_checkpoint_and_district_staff(client, enterprise_user_a, commander):
    for user in (enterprise_user_a, commander):
        client.force_login(user)
        assert client.get(reverse("passes:checks_export")).status_code == 403


def test_the_check_log_export_costs_the_same_queries_at_any_length(
    client, checkpoint_staff, django_assert_max_num_queries
):
    _check(checkpoint_staff.community, "KS00000001", checker=checkpoint_staff)
    client.force_login(checkpoint_staff)
    one = queries(client, reverse("passes:checks_export"))
    for n in range(2, 12):
        _check(checkpoint_staff.community, f"KS{n:08d}", checker=UserFactory(checkpoint_staff=True))
    with django_assert_max_num_queries(one):
        assert len(rows(client.get(reverse("passes:checks_export")))) == 11


# --- chartered trips ------------------------------------------------------------------------------------


def _trip(user, headcount=5):
    return transport_services.transport_request_create(
        enterprise=user.enterprise,
        requested_by=user,
        origin=division(LOW_RISK_ORIGIN, "四川省广安市广安区"),
        departure_on=timezone.localdate(),
        headcount=headcount,
        contact_name="王五",
        contact_mobile="13912345678",
    )


def test_the_transport_export_is_scoped_like_the_lists(
    client, enterprise_user_a, enterprise_user_b, district_staff_a, django_assert_max_num_queries
):
    _trip(enterprise_user_a, headcount=5)
    _trip(enterprise_user_b, headcount=9)
    client.force_login(enterprise_user_a)
    assert reverse("passes:transport_export") in client.get(reverse("passes:transport_list")).content.decode()
    (row,) = rows(client.get(reverse("passes:transport_export")))
    assert row[1] == enterprise_user_a.enterprise.name and row[4] == 5 and row[8] == "待属地确认"
    client.force_login(district_staff_a)
    assert reverse("passes:transport_export") in client.get(reverse("passes:transport_queue")).content.decode()
    one = queries(client, reverse("passes:transport_export"))
    _trip(enterprise_user_a, headcount=3)
    with django_assert_max_num_queries(one):
        exported = rows(client.get(reverse("passes:transport_export") + "?status=all"))
    assert sorted(r[4] for r in exported) == [3, 5]  # enterprise_b's trip is another district's


# --- printing eight cards to a sheet ------------------------------------------------------------------


def test_ticked_passes_print_eight_cards_to_an_a4_sheet(client, enterprise_user_a, district_staff_a):
    passes = issue_many(enterprise_user_a, district_staff_a, SHEET_CARDS_PER_PAGE + 1)
    client.force_login(enterprise_user_a)
    html = client.get(reverse("passes:list")).content.decode()
    assert 'data-testid="print-form"' in html and f'name="ids" value="{passes[0].pk}"' in html
    query = "&".join(f"ids={p.pk}" for p in passes)
    html = client.get(f"{reverse('passes:print')}?{query}").content.decode()
    assert html.count('data-testid="pass-sheet"') == 2
    assert html.count('data-testid="pass-card"') == SHEET_CARDS_PER_PAGE + 1
    assert html.count('data-testid="pass-qr"') == SHEET_CARDS_PER_PAGE + 1  # the single card's QR, each
    assert all(p.number in html for p in passes) and "css/pass-sheet.css" in html


def test_the_sheet_leaves_out_passes_of_others_and_passes_not_in_use(
    client, enterprise_user_a, enterprise_user_b, district_staff_a, district_staff_b
):
    mine = issued_pass(enterprise_user_a, district_staff_a)
    (applied,) = applied_passes(enterprise_user_a)
    other = issued_pass(enterprise_user_b, district_staff_b, residence_district=_zhangpu())
    client.force_login(enterprise_user_a)
    html = client.get(f"{reverse('passes:print')}?ids={mine.pk}&ids={applied.pk}&ids={other.pk}&ids=x").content
    html = html.decode()
    assert mine.number in html and applied.number not in html and other.number not in html
    assert html.count('data-testid="pass-card"') == 1


def test_all_filtered_passes_print_and_the_issuing_district_prints_its_own(
    client, enterprise_user_a, enterprise_user_b, district_staff_a, district_staff_b, django_assert_max_num_queries
):
    a = issued_pass(enterprise_user_a, district_staff_a, name="张小三")
    b = issued_pass(enterprise_user_a, district_staff_a, name="李小四")
    other = issued_pass(enterprise_user_b, district_staff_b, residence_district=_zhangpu())
    client.force_login(district_staff_a)
    everything = client.get(reverse("passes:print") + "?all=1").content.decode()
    assert a.number in everything and b.number in everything and other.number not in everything
    filtered = client.get(reverse("passes:print") + "?all=1&q=张小三").content.decode()
    assert a.number in filtered and b.number not in filtered
    one = queries(client, reverse("passes:print") + "?all=1&q=张小三")
    issue_many(enterprise_user_a, district_staff_a, 5)
    with django_assert_max_num_queries(one):
        assert client.get(reverse("passes:print") + "?all=1").content.decode().count('data-testid="pass-card"') == 7


def test_nothing_to_print_says_so_and_other_roles_cannot_print(client, enterprise_user_a, checkpoint_staff, commander):
    client.force_login(enterprise_user_a)
    html = client.get(reverse("passes:print")).content.decode()
    assert 'data-testid="sheet-empty"' in html and 'data-testid="pass-card"' not in html
    for user in (checkpoint_staff, commander):
        client.force_login(user)
        assert client.get(reverse("passes:print") + "?all=1").status_code == 403
        assert 'data-testid="print-form"' not in client.get(reverse("passes:list")).content.decode()


def test_the_sheet_stops_at_its_limit_and_says_so(client, settings, enterprise_user_a, district_staff_a, monkeypatch):
    from passes.views import return_passes as views

    monkeypatch.setattr(views, "SHEET_MAX_PASSES", 2)
    issue_many(enterprise_user_a, district_staff_a, 3)
    client.force_login(enterprise_user_a)
    html = client.get(reverse("passes:print") + "?all=1").content.decode()
    assert html.count('data-testid="pass-card"') == 2 and 'data-testid="sheet-too-many"' in html
