"""Demo applications for `make run` (portal/demo.py calls policy_demo_seed): a few policies with applications
in several states, made through the services, so each role sees the feature. Running it again changes nothing."""

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from policies import services
from policies.models import PolicyApplication, SupportPolicy

_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# (enterprise's username, policy title, what happens, reviewer's username)
DEMO_APPLICATIONS = [
    ("demo_enterprise", "规上工业企业稳产满产奖励", "submitted", None),
    ("demo_enterprise", "新招用员工一次性就业补贴", "submitted", None),
    ("demo_enterprise2", "规上工业企业稳产满产奖励", "paid", "demo_authority"),
    ("demo_enterprise2", "稳岗返还", "approved", "demo_district"),
    ("demo_enterprise3", "阶段性减免企业社会保险费", "returned", "demo_district"),
    ("demo_enterprise3", "防疫物资生产企业扩产补贴", "rejected", "demo_authority"),
]


def policy_demo_seed(users: list[User]) -> None:
    services.policy_catalogue_demo_load()
    by_name = {user.username: user for user in users}
    policies = {p.title: p for p in SupportPolicy.objects.filter(is_demo=True)}
    for username, title, outcome, reviewer in DEMO_APPLICATIONS:
        owner, policy = by_name[username], policies.get(title)
        if policy is None or PolicyApplication.objects.filter(enterprise=owner.enterprise, policy=policy).exists():
            continue
        application = services.policy_application_submit(
            policy=policy,
            enterprise=owner.enterprise,
            submitted_by=owner,
            data=_data(owner, policy),
            files=[SimpleUploadedFile("申报材料.pdf", _PDF)],
        )
        reviewer = by_name.get(reviewer)
        if outcome in ("approved", "paid"):
            services.policy_application_approve(
                application=application,
                approved_by=reviewer,
                amount=application.requested_amount,
                comment="材料齐全, 同意支持。",
            )
        if outcome == "paid":
            services.payout_record(
                application=application,
                recorded_by=reviewer,
                paid_on=timezone.localdate(),
                amount=application.requested_amount,
                voucher_number="DEMO-2020-0001",
            )
        if outcome == "returned":
            services.policy_application_return(
                application=application, returned_by=reviewer, reason="请补充2020年2月至4月应缴社保费的核定单。"
            )
        if outcome == "rejected":
            services.policy_application_reject(
                application=application, rejected_by=reviewer, reason="本企业不生产防疫物资, 不符合申报条件。"
            )


def _data(owner: User, policy: SupportPolicy) -> services.ApplicationData:
    enterprise = owner.enterprise
    return services.ApplicationData(
        contact_name=enterprise.contact_name,
        contact_mobile=enterprise.contact_mobile,
        stated_headcount=enterprise.headcount,
        stated_figure=Decimal("120000.00") if policy.figure_label else None,
        bank_name="中国银行昆山分行(演示)",
        account_name=enterprise.name,
        account_number="6216610100001234567",
    )
