"""The pages: what each role sees, the apply form with its bad inputs, decisions, payouts, scope and queries."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import uploads
from policies import services
from policies.models import AmountRule, Payout, PolicyApplication
from reference.models import IndustryAuthority
from tests.factories import EnterpriseFactory, UserFactory
from tests.policies.helpers import ACCOUNT, PDF, approved, make_policy, submitted

pytestmark = pytest.mark.django_db
S = PolicyApplication.Status


@pytest.fixture
def gxj_staff(db):
    return UserFactory(authority_staff=True, industry_authority=IndustryAuthority.objects.get(code="gxj"))


def _form(**overrides):
    data = {
        "contact_name": "王五",
        "contact_mobile": "13912345678",
        "bank_name": "中国银行昆山分行",
        "account_name": "张浦甲企业",
        "account_number": ACCOUNT,
        "stated_headcount": "100",
        "materials": [SimpleUploadedFile("营业执照.pdf", PDF)],
    }
    return {**data, **overrides}


def test_the_enterprise_sees_the_policies_it_may_be_eligible_for(client, enterprise_user_a):
    open_policy = make_policy(title="面向所有企业的补贴")
    make_policy(title="仅限规上企业的奖励", above_scale_only=True)
    make_policy(title="餐饮业补贴", industries=("62",))
    client.force_login(enterprise_user_a)
    response = client.get(reverse("policies:catalogue"))
    eligible = [p.title for p, _open in response.context["eligible"]]
    assert eligible == ["面向所有企业的补贴"]
    assert {p.title for p in response.context["other"]} == {"仅限规上企业的奖励", "餐饮业补贴"}
    assert reverse("policies:apply", args=[open_policy.pk]) in response.content.decode()


def test_an_industry_filter_on_a_section_covers_its_classes(client, enterprise_user_a):
    make_policy(title="制造业补贴", industries=("C",))
    client.force_login(enterprise_user_a)
    response = client.get(reverse("policies:catalogue"))
    assert [p.title for p, _open in response.context["eligible"]] == ["制造业补贴"]


def test_the_enterprise_applies_and_lands_on_its_application(client, enterprise_user_a):
    policy = make_policy(amount_rule=AmountRule.PER_EMPLOYEE, amount_value="1000")
    client.force_login(enterprise_user_a)
    assert client.get(reverse("policies:apply", args=[policy.pk])).status_code == 200
    response = client.post(reverse("policies:apply", args=[policy.pk]), _form(stated_headcount="120"))
    application = PolicyApplication.objects.get()
    assert response.status_code == 302 and response.url == reverse("policies:application", args=[application.pk])
    assert application.requested_amount == Decimal("120000.00")
    assert application.materials.get().original_name == "营业执照.pdf"
    page = client.get(response.url).content.decode()
    assert ACCOUNT in page  # the enterprise sees its own full account number on the detail page


def test_a_double_submit_shows_the_existing_application(client, enterprise_user_a):
    policy = make_policy()
    client.force_login(enterprise_user_a)
    first = client.post(reverse("policies:apply", args=[policy.pk]), _form())
    second = client.post(reverse("policies:apply", args=[policy.pk]), _form())
    assert second.status_code == 302 and second.url == first.url
    assert PolicyApplication.objects.count() == 1


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("空.pdf", b""), uploads.MSG_EMPTY),
        (
            SimpleUploadedFile("病毒.pdf", b"MZ\x90\x00 not a pdf"),
            uploads.MSG_NOT_ALLOWED.format(kinds="PDF、JPEG 图片、PNG 图片、Excel 工作簿、Word 文档"),
        ),
    ],
)
def test_a_bad_material_is_refused_with_the_upload_message(client, enterprise_user_a, upload, message):
    policy = make_policy()
    client.force_login(enterprise_user_a)
    response = client.post(reverse("policies:apply", args=[policy.pk]), _form(materials=[upload]))
    assert response.status_code == 200
    assert str(message) in response.content.decode()
    assert not PolicyApplication.objects.exists()


def test_a_missing_material_and_bad_fields_are_shown_on_the_form(client, enterprise_user_a):
    policy = make_policy()
    client.force_login(enterprise_user_a)
    response = client.post(
        reverse("policies:apply", args=[policy.pk]), _form(materials=[], account_number="12-34", contact_mobile="123")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "请输入正确的11位手机号" in html or response.context["form"].errors["contact_mobile"]
    assert not PolicyApplication.objects.exists()
    response = client.post(reverse("policies:apply", args=[policy.pk]), _form(materials=[]))
    assert str(services.MSG_MATERIALS_REQUIRED) in response.content.decode()


def test_an_ineligible_enterprise_is_sent_back_to_the_policy_with_the_reason(client, enterprise_user_a):
    policy = make_policy(above_scale_only=True)
    client.force_login(enterprise_user_a)
    response = client.get(reverse("policies:apply", args=[policy.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("policies:detail", args=[policy.pk])
    assert "仅限规上企业" in response.content.decode()


def test_staff_cannot_apply_and_a_missing_policy_is_404(client, district_staff_a, enterprise_user_a):
    policy = make_policy()
    client.force_login(district_staff_a)
    assert client.get(reverse("policies:apply", args=[policy.pk])).status_code == 403
    client.force_login(enterprise_user_a)
    assert client.get(reverse("policies:apply", args=[999999])).status_code == 404
    assert client.get(reverse("policies:detail", args=[999999])).status_code == 404


def test_the_reviewer_approves_from_the_page_and_records_an_early_payout(client, enterprise_user_a, gxj_staff):
    application = submitted(enterprise_user_a, make_policy(scheduled=timezone.localdate() + timezone.timedelta(30)))
    client.force_login(gxj_staff)
    page = client.get(reverse("policies:application", args=[application.pk]))
    assert "decision_form" in page.context
    response = client.post(
        reverse("policies:decide", args=[application.pk]), {"action": "approve", "amount": "90000", "comment": "同意"}
    )
    assert response.status_code == 302 and response.url == reverse("policies:queue")
    application.refresh_from_db()
    assert (application.status, application.approved_amount) == (S.APPROVED, Decimal("90000"))
    response = client.post(
        reverse("policies:payout", args=[application.pk]),
        {"paid_on": timezone.localdate().isoformat(), "amount": "90000", "voucher_number": "KS-2020-0001"},
        follow=True,
    )
    assert "已登记提前兑付。" in response.content.decode()
    assert Payout.objects.get().is_early
    assert 'data-testid="early"' in response.content.decode()


def test_a_decision_without_a_reason_shows_the_message(client, enterprise_user_a, gxj_staff):
    application = submitted(enterprise_user_a)
    client.force_login(gxj_staff)
    response = client.post(
        reverse("policies:decide", args=[application.pk]), {"action": "reject", "comment": ""}, follow=True
    )
    assert str(services.MSG_REASON_REQUIRED) in response.content.decode()
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


def test_a_district_not_routed_to_sees_the_application_but_cannot_decide(client, enterprise_user_a, district_staff_a):
    application = submitted(enterprise_user_a, make_policy(by_district=False))
    client.force_login(district_staff_a)
    page = client.get(reverse("policies:application", args=[application.pk]))
    assert page.status_code == 200 and "decision_form" not in page.context
    assert ACCOUNT not in page.content.decode()  # not a reviewer: the account number stays masked
    response = client.post(reverse("policies:decide", args=[application.pk]), {"action": "approve", "amount": "1"})
    assert response.status_code == 403


def test_commanders_read_but_cannot_decide(client, enterprise_user_a, commander):
    application = submitted(enterprise_user_a)
    client.force_login(commander)
    assert client.get(reverse("policies:application", args=[application.pk])).status_code == 200
    assert (
        client.post(reverse("policies:decide", args=[application.pk]), {"action": "approve", "amount": "1"}).status_code
        == 403
    )
    assert client.post(reverse("policies:payout", args=[application.pk]), {}).status_code == 403


def test_the_enterprise_resubmits_a_returned_application(client, enterprise_user_a, gxj_staff):
    application = services.policy_application_return(
        application=submitted(enterprise_user_a), returned_by=gxj_staff, reason="请补充材料"
    )
    client.force_login(enterprise_user_a)
    page = client.get(reverse("policies:resubmit", args=[application.pk]))
    assert page.status_code == 200 and "请补充材料" in page.content.decode()
    response = client.post(
        reverse("policies:resubmit", args=[application.pk]),
        _form(statement="已补充", materials=[SimpleUploadedFile("补充.pdf", PDF)]),
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == S.SUBMITTED and application.materials.count() == 2


def test_each_side_sees_only_its_applications_in_the_queue(
    client, enterprise_user_a, enterprise_user_b, district_staff_a, district_staff_b, gxj_staff
):
    health = UserFactory(authority_staff=True, industry_authority=IndustryAuthority.objects.get(code="wjw"))
    mine = submitted(enterprise_user_a)
    theirs = submitted(enterprise_user_b, make_policy(title="开发区政策", authorities=("swj",)))
    expected = {district_staff_a: {mine}, district_staff_b: {theirs}, gxj_staff: {mine}, health: set()}
    for user, applications in expected.items():
        client.force_login(user)
        response = client.get(reverse("policies:queue"))
        assert set(response.context["page"].object_list) == applications, user


def test_the_queue_masks_account_numbers_and_keeps_its_query_count(client, district_a, gxj_staff):
    policy = make_policy()

    def add(n):
        for _ in range(n):
            owner = UserFactory(enterprise_user=True, enterprise=EnterpriseFactory(district=district_a))
            submitted(owner, policy)

    add(2)
    client.force_login(gxj_staff)
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("policies:queue"))
    html = response.content.decode()
    assert ACCOUNT not in html and "**** 4567" in html
    add(8)
    with CaptureQueriesContext(connection) as more:
        client.get(reverse("policies:queue"))
    assert len(more) == len(few), "\n".join(q["sql"] for q in more.captured_queries)


def test_the_materials_are_served_to_those_in_scope(client, enterprise_user_a, enterprise_user_b):
    material = submitted(enterprise_user_a).materials.get()
    client.force_login(enterprise_user_a)
    response = client.get(reverse("policies:material", args=[material.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    client.force_login(enterprise_user_b)
    assert client.get(reverse("policies:material", args=[material.pk])).status_code == 404


def test_checkpoint_staff_have_no_policy_pages(client, checkpoint_staff):
    client.force_login(checkpoint_staff)
    for name in ("policies:catalogue", "policies:queue", "policies:figures"):
        assert client.get(reverse(name)).status_code == 403


def test_my_applications_lists_masked_accounts(client, enterprise_user_a, gxj_staff):
    approved(enterprise_user_a, gxj_staff)
    client.force_login(enterprise_user_a)
    html = client.get(reverse("policies:mine")).content.decode()
    assert "稳产奖励" in html and "**** 4567" in html and ACCOUNT not in html


def test_landing_pages_show_the_policy_work(client, enterprise_user_a, district_staff_a, gxj_staff, commander):
    make_policy(title="另一项政策")
    submitted(enterprise_user_a)
    client.force_login(enterprise_user_a)
    html = client.get(reverse("portal:home")).content.decode()
    assert 'data-testid="policies-eligible"' in html and "<strong>2</strong> 项惠企政策" in html
    for reviewer in (district_staff_a, gxj_staff):
        client.force_login(reviewer)
        html = client.get(reverse("portal:home")).content.decode()
        assert "惠企政策申请待审核 <strong>1</strong> 件" in html
    client.force_login(commander)
    assert reverse("policies:figures") in client.get(reverse("portal:home")).content.decode()
    assert 'data-testid="dashboard-policies"' in client.get(reverse("dashboard:city")).content.decode()


def test_too_many_files_at_once_are_refused(client, enterprise_user_a):
    policy = make_policy()
    client.force_login(enterprise_user_a)
    files = [SimpleUploadedFile(f"{n}.pdf", PDF) for n in range(services.MAX_MATERIALS + 1)]
    response = client.post(reverse("policies:apply", args=[policy.pk]), _form(materials=files))
    assert str(services.MSG_TOO_MANY_MATERIALS % {"max": services.MAX_MATERIALS}) in response.content.decode()
    assert not PolicyApplication.objects.exists()
