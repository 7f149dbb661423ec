"""Demo data of labour supply and labour relations (clauses 8 and 10), made through the labour services:
a 人社局 account, shortages of the 张浦镇 demo enterprises, a city-wide and a district agency, a pairing that
delivered hires, a drive to a "20+20" partner region with its results, a public complaint and two disputes
(one settled, one in mediation). Idempotent: nothing is added once the demo enterprise has a shortage."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Role, User
from labour.models import HR_BUREAU_CODE, DistrictHead, LabourNeed
from labour.services import complaints, disputes, drives, supply
from reference.models import Division, IndustryAuthority


def demo_labour_seed(users: list[User], *, password: str) -> list[User]:
    """Returns the accounts it adds to the demo logins (the 人社局 one)."""
    by_name = {user.username: user for user in users}
    bureau = _bureau_user(password)
    owner, owner2, staff = by_name["demo_enterprise"], by_name["demo_enterprise2"], by_name["demo_district"]
    DistrictHead.objects.get_or_create(district=staff.district, user=staff)
    drives.partner_region_demo_load()
    if LabourNeed.objects.filter(enterprise=owner.enterprise).exists():
        return [bureau]
    today = timezone.localdate()
    need = supply.labour_need_create(
        enterprise=owner.enterprise,
        created_by=owner,
        data={
            "job": "数控车床操作工",
            "positions": 20,
            "wage_min": 5500,
            "wage_max": 7500,
            "skills": "持有数控车工证书优先",
            "start_on": today + timedelta(days=3),
            "housing_offered": True,
        },
    )
    supply.labour_need_create(
        enterprise=owner.enterprise,
        created_by=owner,
        data={
            "job": "质检员",
            "positions": 4,
            "wage_min": 4800,
            "wage_max": 6000,
            "skills": "",
            "start_on": today,
            "housing_offered": True,
        },
    )
    supply.labour_need_create(
        enterprise=owner2.enterprise,
        created_by=owner2,
        data={
            "job": "装配工",
            "positions": 60,
            "wage_min": 4500,
            "wage_max": 6000,
            "skills": "能适应两班倒",
            "start_on": today + timedelta(days=5),
            "housing_offered": False,
        },
    )
    region = Division.objects.get(code="511602")
    city_agency = supply.hr_agency_create(
        created_by=bureau,
        regions=[region],
        data={
            "name": "昆山演示人力资源服务有限公司",
            "credit_code": "91320583DEMH00001J",
            "licence_number": "(苏)人服证字演示001号",
            "contact_name": "钱经理",
            "contact_mobile": "13800000101",
            "address": "昆山市前进西路演示大厦",
            "is_active": True,
        },
    )
    supply.hr_agency_create(
        created_by=staff,
        regions=[region],
        data={
            "name": "张浦演示劳务派遣有限公司",
            "credit_code": "91320583DEMH00002M",
            "licence_number": "(苏)劳派演示002号",
            "contact_name": "孙经理",
            "contact_mobile": "13800000102",
            "address": "",
            "is_active": True,
        },
    )
    pairing = supply.pairing_create(
        agency=city_agency,
        enterprise=owner.enterprise,
        needs=[need],
        created_by=staff,
        note="每周输送一批, 优先广安籍熟练工",
    )
    supply.labour_hire_record(need=need, count=6, hired_on=today, recorded_by=staff, pairing=pairing)
    drive = drives.drive_schedule(
        title="张浦镇赴广安专场招聘",
        region=region,
        starts_on=today + timedelta(days=2),
        ends_on=today + timedelta(days=4),
        agencies=[city_agency],
        scheduled_by=staff,
    )
    participant = drives.drive_participant_add(
        drive=drive, enterprise=owner.enterprise, positions_offered=20, added_by=staff
    )
    drives.drive_result_record(
        participant=participant,
        signed=8,
        arrived=2,
        recorded_by=owner,
        workers=list(owner.enterprise.workers.filter(arrived_on__isnull=False)[:2]),
    )
    complaints.complaint_submit(
        reported_by=None,
        data={
            "kind": "gouging",
            "agency": None,
            "enterprise": None,
            "target_name": "某演示黑中介",
            "description": "返岗介绍费每人收取 3000 元, 远高于往年。",
            "complainant_name": "演示群众",
            "complainant_mobile": "13900000999",
        },
    )
    settled = disputes.dispute_raise(
        enterprise=owner.enterprise,
        raised_by=staff,
        data={
            "kind": "wages",
            "workers_involved": 3,
            "worker_names": "刘建国、陈晓梅、黄志强",
            "amount": 18000,
            "description": "停工期间工资发放标准有分歧。",
        },
    )
    disputes.dispute_negotiate(dispute=settled, actor=staff, comment="组织劳资双方协商")
    disputes.dispute_settle(dispute=settled, actor=staff, outcome="按当地最低工资标准补发, 双方签字确认。")
    open_dispute = disputes.dispute_raise(
        enterprise=owner2.enterprise,
        raised_by=owner2,
        data={
            "kind": "resumption",
            "workers_involved": 12,
            "worker_names": "",
            "amount": 0,
            "description": "部分员工对复工后的排班安排有意见。",
        },
    )
    disputes.dispute_mediate(dispute=open_dispute, actor=staff, comment="请张浦镇劳动人事争议调解委员会调解")
    return [bureau]


def _bureau_user(password: str) -> User:
    user, _created = User.objects.get_or_create(
        username="demo_hr",
        defaults={
            "full_name": "钱人社",
            "role": Role.AUTHORITY_STAFF,
            "industry_authority": IndustryAuthority.objects.get(code=HR_BUREAU_CODE),
        },
    )
    if not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    return user
