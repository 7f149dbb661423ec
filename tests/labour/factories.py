"""Objects for the labour tests, made through the services so that every rule they enforce is exercised."""

from datetime import timedelta

from django.utils import timezone

from labour.models import HR_BUREAU_CODE
from labour.services import complaints, disputes, drives, supply
from reference.models import IndustryAuthority
from tests.factories import UserFactory, credit_code
from tests.passes.factories import LOW_RISK_ORIGIN, division

NEED = {
    "job": "装配工",
    "positions": 10,
    "wage_min": 4500,
    "wage_max": 6000,
    "skills": "能适应两班倒",
    "housing_offered": True,
}


def hr_bureau_user(**kwargs):
    return UserFactory(
        authority_staff=True, industry_authority=IndustryAuthority.objects.get(code=HR_BUREAU_CODE), **kwargs
    )


def need_of(enterprise_user, **overrides):
    data = {**NEED, "start_on": timezone.localdate() + timedelta(days=3), **overrides}
    return supply.labour_need_create(enterprise=enterprise_user.enterprise, data=data, created_by=enterprise_user)


_serial = iter(range(900000, 999999))


def agency_by(user, **overrides):
    serial = next(_serial)
    data = {
        "name": f"昆山测试人力资源{serial}有限公司",
        "credit_code": credit_code(serial),
        "licence_number": f"HR{serial}",
        "contact_name": "钱经理",
        "contact_mobile": "13800001111",
        "is_active": True,
        **overrides,
    }
    return supply.hr_agency_create(data=data, regions=[division(LOW_RISK_ORIGIN)], created_by=user)


def pairing_of(need, district_staff, agency=None):
    agency = agency or agency_by(district_staff)
    return supply.pairing_create(agency=agency, enterprise=need.enterprise, needs=[need], created_by=district_staff)


def drive_by(user, *, region=LOW_RISK_ORIGIN, days=2, **overrides):
    start = timezone.localdate() + timedelta(days=days)
    values = {
        "title": "赴广安招聘",
        "region": division(region),
        "starts_on": start,
        "ends_on": start + timedelta(days=2),
        **overrides,
    }
    return drives.drive_schedule(scheduled_by=user, **values)


def complaint_by(user=None, **overrides):
    data = {
        "kind": "gouging",
        "agency": None,
        "enterprise": None,
        "target_name": "某劳务中介",
        "description": "每介绍一人收取 3000 元中介费。",
        "complainant_name": "赵六",
        "complainant_mobile": "13912340000",
        **overrides,
    }
    return complaints.complaint_submit(data=data, reported_by=user)


def dispute_by(user, enterprise, **overrides):
    data = {
        "kind": "wages",
        "workers_involved": 3,
        "worker_names": "张三丰、李四、王五",
        "amount": 15000,
        "description": "春节前工资未结清。",
        **overrides,
    }
    return disputes.dispute_raise(enterprise=enterprise, data=data, raised_by=user)
