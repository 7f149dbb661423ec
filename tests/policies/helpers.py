"""Policies and applications in every state, built through the services."""

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from policies import services
from policies.models import AmountRule, PolicyApplication, SupportPolicy
from reference.models import Industry, IndustryAuthority

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ACCOUNT = "6216610100001234567"


def pdf_upload(name="申报材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def make_policy(
    *,
    title="稳产奖励",
    amount_rule=AmountRule.FIXED,
    amount_value="100000",
    amount_cap=None,
    authorities=("gxj",),
    by_district=True,
    industries=(),
    districts=(),
    scheduled=dt.date(2020, 6, 30),
    materials="营业执照复印件",
    **fields,
) -> SupportPolicy:
    policy = SupportPolicy.objects.create(
        title=title,
        issuing_body="昆山市人民政府",
        document_number="昆政发〔2020〕5号",
        benefit_type="subsidy",
        summary="支持内容",
        eligibility="符合条件的企业",
        materials_required=materials,
        amount_rule=amount_rule,
        amount_value=Decimal(amount_value),
        amount_cap=Decimal(amount_cap) if amount_cap else None,
        figure_label="电费(元)" if amount_rule == AmountRule.PERCENTAGE else "",
        reviewed_by_district=by_district,
        scheduled_payout_on=scheduled,
        **fields,
    )
    policy.reviewing_authorities.set(IndustryAuthority.objects.filter(code__in=authorities))
    policy.industries.set(Industry.objects.filter(code__in=industries))
    policy.districts.set(districts)
    return policy


def application_data(**overrides) -> services.ApplicationData:
    values = {
        "contact_name": "王五",
        "contact_mobile": "13912345678",
        "stated_headcount": 100,
        "stated_figure": Decimal("10000"),
        "bank_name": "中国银行昆山分行",
        "account_name": "张浦甲企业",
        "account_number": ACCOUNT,
    }
    return services.ApplicationData(**{**values, **overrides})


def submitted(enterprise_user, policy=None, **overrides) -> PolicyApplication:
    return services.policy_application_submit(
        policy=policy or make_policy(),
        enterprise=enterprise_user.enterprise,
        submitted_by=enterprise_user,
        data=application_data(**overrides),
        files=[pdf_upload()],
    )


def approved(enterprise_user, reviewer, policy=None, amount=Decimal("80000")) -> PolicyApplication:
    return services.policy_application_approve(
        application=submitted(enterprise_user, policy), approved_by=reviewer, amount=amount
    )
