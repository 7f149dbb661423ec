"""Demo data for `make run`: one user per role and a handful of enterprises in two districts.

Idempotent: every row is keyed (username, credit code) and only written when it differs.
"""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from stdnum.cn import uscc

from accounts.models import Role, User
from core import excel
from enterprises.models import Enterprise
from policies.demo import policy_demo_seed
from portal.demo_labour import demo_labour_seed
from portal.demo_supervision import demo_supervision
from reference.models import Community, District, IndustryAuthority
from service_requests.demo import demo_requests_seed
from workforce.resumption import standings_refresh

DEMO_DISTRICTS = ("zhangpu", "kfq")

# (serial, name, district code, industry class, headcount, above-scale, key, chain leader, status)
DEMO_ENTERPRISES = [
    (1, "昆山演示精密机械有限公司", "zhangpu", "3484", 320, True, True, False, Enterprise.Status.ACTIVE),
    (2, "昆山演示汽车零部件有限公司", "zhangpu", "3670", 860, True, True, True, Enterprise.Status.ACTIVE),
    (3, "昆山演示食品有限公司", "zhangpu", "1431", 95, False, False, False, Enterprise.Status.ACTIVE),
    (4, "昆山演示电影院有限公司", "zhangpu", "8760", 18, False, False, False, Enterprise.Status.ACTIVE),
    (5, "昆山演示电子科技有限公司", "kfq", "3982", 2400, True, True, True, Enterprise.Status.ACTIVE),
    (6, "昆山演示物流有限公司", "kfq", "5990", 140, False, False, False, Enterprise.Status.ACTIVE),
    (7, "昆山演示餐饮管理有限公司", "kfq", "6210", 45, False, False, False, Enterprise.Status.ACTIVE),
    (8, "昆山演示新材料有限公司", "zhangpu", "2651", 210, True, False, False, Enterprise.Status.PENDING),
]

DEMO_USERS = [
    # username, full name, role, scope field, scope lookup
    ("demo_enterprise", "王企业", Role.ENTERPRISE, "enterprise", 1),
    ("demo_district", "李属地", Role.DISTRICT_STAFF, "district", "zhangpu"),
    # Staff of 开发区, where most demo workers live and whose demo enterprise issues passes to 张浦 residents.
    ("demo_district2", "吴属地", Role.DISTRICT_STAFF, "district", "kfq"),
    ("demo_authority", "张主管", Role.AUTHORITY_STAFF, "industry_authority", "gxj"),
    ("demo_checkpoint", "赵卡口", Role.CHECKPOINT_STAFF, "community", "zhangpu-demo-1"),
    ("demo_commander", "陈指挥", Role.COMMANDER, None, None),
    # Accounts of two more demo enterprises, whose filings fill the district's review queue.
    ("demo_enterprise2", "孙企业", Role.ENTERPRISE, "enterprise", 2),
    ("demo_enterprise3", "周企业", Role.ENTERPRISE, "enterprise", 3),
    ("admin", "系统管理员", Role.ADMIN, None, None),
]


def demo_credit_code(serial: int) -> str:
    """A valid, obviously synthetic credit code (region 320583 is Kunshan)."""
    body = f"91320583DEMA{serial:05d}"
    return body + uscc.calc_check_digit(body)


def _scope(field: str | None, key):
    if field == "enterprise":
        return Enterprise.objects.get(credit_code=demo_credit_code(key))
    if field == "district":
        return District.objects.get(code=key)
    if field == "industry_authority":
        return IndustryAuthority.objects.get(code=key)
    if field == "community":
        return Community.objects.get(code=key)
    return None


def _upsert(model, lookup: dict, values: dict):
    """Create the row, or update only the fields that differ, so a second run writes nothing."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values)
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
    return obj


@transaction.atomic
def demo_seed(*, password: str) -> list[User]:
    districts = {d.code: d for d in District.objects.filter(code__in=DEMO_DISTRICTS)}
    for serial, name, district, industry, headcount, above, key, leader, status in DEMO_ENTERPRISES:
        _upsert(
            Enterprise,
            {"credit_code": demo_credit_code(serial)},
            {
                "name": name,
                "district": districts[district],
                "industry_id": industry,
                "address": f"江苏省昆山市{districts[district].name}演示路{serial}号",
                "legal_representative": "演示法人",
                "contact_name": "演示联系人",
                "contact_mobile": f"1390000{serial:04d}",
                "headcount": headcount,
                "is_above_scale": above,
                "is_key": key,
                "is_chain_leader": leader,
                "status": status,
            },
        )
    users = []
    for username, full_name, role, field, key in DEMO_USERS:
        defaults = {
            "full_name": full_name,
            "role": role,
            "is_active": True,
            "is_staff": role == Role.ADMIN,
            "is_superuser": role == Role.ADMIN,
            "enterprise": None,
            "district": None,
            "industry_authority": None,
            "community": None,
        }
        if field:
            defaults[field] = _scope(field, key)
        user = _upsert(User, {"username": username}, defaults)
        if not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        users.append(user)
    _demo_filings(users)
    _demo_workforce(users)
    # The demo enterprises are written straight to the registry, past the services that keep their standing.
    codes = [demo_credit_code(serial) for serial, *_rest in DEMO_ENTERPRISES]
    standings_refresh(Enterprise.objects.filter(credit_code__in=codes).values_list("pk", flat=True))
    _demo_entrances()
    _demo_passes(users)
    _demo_health(users)
    demo_requests_seed(users, [Enterprise.objects.get(credit_code=demo_credit_code(n)) for n in (1, 2, 3)])
    users += demo_labour_seed(users, password=password)
    demo_supervision(users, password=password)
    policy_demo_seed(users)
    return users


# (serial, name, origin, days since arrival (None: not yet back), temperature, test (days ago) or None,
#  residence community) — one worker for each decision the eligibility rule can reach.
DEMO_WORKERS = [
    (1, "刘建国", "511602", 5, "36.4", None, "kfq-demo-1"),  # low risk, in Kunshan, normal: may work
    (2, "陈晓梅", "330302", 4, "36.6", 1, "kfq-demo-1"),  # medium risk, negative test after arrival
    (3, "黄志强", "330302", 2, "36.5", None, "kfq-demo-2"),  # medium risk, no test yet
    (4, "周丽", "420102", 6, "36.3", None, "kfq-demo-2"),  # high risk: not yet
    (5, "吴海", "511602", 3, "37.8", None, "kfq-demo-1"),  # fever: not fit
    (6, "郑芳", "511602", None, None, None, "kfq-demo-1"),  # not back in Kunshan yet
    (7, "王强", "511602", 7, "36.5", None, "zhangpu-demo-1"),  # lives in the enterprise's own district
    (8, "孙悦", "511602", 6, "36.7", None, "kfq-demo-2"),  # low risk: applied, waiting for 张浦镇
    (9, "马超", "511602", 9, "36.4", None, "kfq-demo-1"),  # low risk: pass revoked
]
# Workers of the 开发区 demo enterprise who live in 张浦镇's demo community (the demo checkpoint's).
DEMO_KFQ_WORKERS = [
    (21, "何静", "511602", 8, "36.5", None, "zhangpu-demo-1"),
    (22, "罗斌", "511602", 8, "36.6", None, "zhangpu-demo-1"),
]


def _demo_workers(enterprise: Enterprise, rows) -> list:
    from passes.models import Worker
    from passes.personal_data import id_number_digest, id_number_fields
    from reference.models import Division

    now = timezone.now()
    today = timezone.localdate()
    workers = []
    for serial, name, origin, days_back, temperature, tested_days_ago, community_code in rows:
        birth = date(1990, 1, 1) + timedelta(days=serial * 37)
        body = f"511602{birth:%Y%m%d}{serial:03d}"  # synthetic, with a valid check character
        number = body + _ric_check(body)
        community = Community.objects.get(code=community_code)
        values = {
            "name": name,
            "mobile": f"1380000{serial:04d}",
            "origin": Division.objects.get(code=origin),
            "arrived_on": today - timedelta(days=days_back) if days_back is not None else None,
            "quarantine_status": "home" if days_back is not None else "none",
            "quarantine_started_on": today - timedelta(days=days_back) if days_back is not None else None,
            "temperature": temperature,
            "temperature_taken_at": now if temperature else None,
            "test_result": "negative" if tested_days_ago is not None else "none",
            "tested_on": today - timedelta(days=tested_days_ago) if tested_days_ago is not None else None,
            "residence_district": community.district,
            "residence_community": community,
            "residence_address": f"{community.district.name}演示小区{serial}栋",
            "housing_331_compliant": True,
            "job": "操作工",
        }
        worker = Worker.objects.filter(enterprise=enterprise, id_number_digest=id_number_digest(number)).first()
        if worker is None:
            worker = Worker.objects.create(enterprise=enterprise, **id_number_fields(number), **values)
        workers.append(worker)
    return workers


# Gates of each demo community (出入口): three at a community, two at a village.
DEMO_ENTRANCES = {"demo-1": ("东门", "南门", "北门临时卡口"), "demo-2": ("村口", "西侧便道")}


def _demo_entrances() -> None:
    from passes.models import Entrance

    for community in Community.objects.filter(is_demo=True):
        suffix = next((key for key in DEMO_ENTRANCES if community.code.endswith(f"-{key}")), None)
        for name in DEMO_ENTRANCES.get(suffix, ()):
            Entrance.objects.get_or_create(community=community, name=name)


def _ric_check(body: str) -> str:
    from stdnum.cn import ric

    return ric.calc_check_digit(body + "0")  # it reads the first 17 of 18 characters


def _demo_passes(users: list[User]) -> None:
    """Demo rosters and passes made through the services: issued, applied and revoked passes, and the
    开发区 enterprise's passes for workers who live at the demo checkpoint's community."""
    from passes.models import ReturnPass
    from passes.services import return_passes as services

    by_name = {user.username: user for user in users}
    owner, zhangpu_staff = by_name["demo_enterprise"], by_name["demo_district"]
    workers = _demo_workers(owner.enterprise, DEMO_WORKERS)
    if not ReturnPass.objects.filter(enterprise=owner.enterprise).exists():
        first, second, applied, revoked = workers[0], workers[1], workers[7], workers[8]
        batch = services.return_pass_apply(
            enterprise=owner.enterprise, workers=[first, second, revoked], applied_by=owner, note="首批返岗员工"
        )
        services.return_pass_issue(pass_ids=batch.passes.values_list("pk", flat=True), issued_by=zhangpu_staff)
        services.return_pass_revoke(
            return_pass=ReturnPass.objects.get(worker=revoked), revoked_by=zhangpu_staff, reason="员工已离职"
        )
        services.return_pass_apply(enterprise=owner.enterprise, workers=[applied], applied_by=owner, note="第二批")
    kfq_enterprise = Enterprise.objects.get(credit_code=demo_credit_code(5))
    kfq_workers = _demo_workers(kfq_enterprise, DEMO_KFQ_WORKERS)
    if not ReturnPass.objects.filter(enterprise=kfq_enterprise).exists():
        kfq_owner = _upsert(
            User,
            {"username": "demo_enterprise_kfq"},
            {
                "full_name": "冯企业",
                "role": Role.ENTERPRISE,
                "enterprise": kfq_enterprise,
                "is_active": False,
            },
        )  # applies on the enterprise's behalf; inactive, so nobody logs in with it
        batch = services.return_pass_apply(enterprise=kfq_enterprise, workers=kfq_workers, applied_by=kfq_owner)
        services.return_pass_issue(
            pass_ids=batch.passes.values_list("pk", flat=True), issued_by=by_name["demo_district2"]
        )


def _demo_health(users: list[User]) -> None:
    """Today's health sheet: two 张浦镇 demo workers read normal (the others show as not read yet), and a
    fever of a 开发区 enterprise's worker living in 张浦镇's demo community: the pass is suspended and
    张浦镇 (demo_district) finds the open incident in its to-do."""
    from decimal import Decimal

    from passes.models import HealthReading, Worker
    from passes.services.health import ReadingInput, health_readings_record

    by_name = {user.username: user for user in users}
    owner = by_name["demo_enterprise"]
    now = timezone.now().replace(second=0, microsecond=0)
    if not HealthReading.objects.filter(enterprise=owner.enterprise).exists():
        readings = [("刘建国", "36.4"), ("陈晓梅", "36.6")]
        workers = dict(Worker.objects.filter(enterprise=owner.enterprise).values_list("name", "pk"))
        entries = [ReadingInput(workers[name], temperature=Decimal(t), taken_at=now) for name, t in readings]
        health_readings_record(enterprise=owner.enterprise, entries=entries, recorded_by=owner)
    kfq_enterprise = Enterprise.objects.get(credit_code=demo_credit_code(5))
    kfq_owner = User.objects.filter(username="demo_enterprise_kfq").first()
    if kfq_owner is not None and not HealthReading.objects.filter(enterprise=kfq_enterprise).exists():
        workers = dict(Worker.objects.filter(enterprise=kfq_enterprise).values_list("name", "pk"))
        entries = [
            ReadingInput(workers["何静"], temperature=Decimal("37.9"), taken_at=now, symptoms=True),
            ReadingInput(workers["罗斌"], temperature=Decimal("36.5"), taken_at=now),
        ]
        health_readings_record(enterprise=kfq_enterprise, entries=entries, recorded_by=kfq_owner)


def _demo_workforce(users: list[User]) -> None:
    """Today's reports of two 张浦镇 enterprises, one capacity report, and today's provisional summary."""
    from workforce import services
    from workforce.models import DailySummary, WorkforceReport

    reviewer = next(user for user in users if user.username == "demo_district")
    today = timezone.localdate()
    Enterprise.objects.filter(credit_code=demo_credit_code(2), responsible_official__isnull=True).update(
        responsible_official=reviewer
    )
    for serial, on_duty in ((2, 700), (3, 80)):
        enterprise = Enterprise.objects.get(credit_code=demo_credit_code(serial))
        if WorkforceReport.objects.filter(enterprise=enterprise, day=today).exists():
            continue
        total = enterprise.headcount
        returned = on_duty + 10
        away = total - returned
        services.workforce_report_save(
            enterprise=enterprise,
            day=today,
            saved_by=reviewer,
            data={
                "total_employees": total,
                "returned": returned,
                "on_duty": on_duty,
                "away_high": 0,
                "away_medium": away // 4,
                "away_low": away - away // 4,
                "in_quarantine": 6,
                "returned_today": 12,
                "returned_today_high": 0,
                "returned_today_medium": 2,
            },
        )
        if enterprise.is_above_scale:
            services.capacity_report_save(
                enterprise=enterprise,
                day=today,
                saved_by=reviewer,
                data={
                    "capacity_percent": 78,
                    "staff_on_site": on_duty,
                    "electricity_kwh": 52000,
                    "electricity_kwh_last_year": 61000,
                    "orders_on_hand": 8600,
                    "blockers": "部分外地配件供应商尚未复工。",
                },
            )
    if not DailySummary.objects.filter(day=today).exists():
        services.daily_summary_build(day=today)


def _demo_filings(users: list[User]) -> None:
    """One submitted filing waiting for 张浦镇's review and one already approved, made through the services."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from filings import services
    from filings.models import FilingMaterial

    by_name = {user.username: user for user in users}
    reviewer = by_name["demo_district"]
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    for username, approve in (("demo_enterprise2", False), ("demo_enterprise3", True)):
        owner = by_name[username]
        if owner.enterprise.filings.exists():
            continue
        filing = services.filing_start(enterprise=owner.enterprise, started_by=owner)
        services.filing_update(
            filing=filing,
            updated_by=owner,
            data={
                "scope_work": True,
                "scope_production": True,
                "planned_resume_on": timezone.localdate(),
                "planned_headcount": owner.enterprise.headcount,
                "masks_in_stock": 3000,
                "thermometers_in_stock": 30,
                "has_disinfection": True,
                "has_isolation_room": True,
                "canteen": "staggered",
                "commitment_accepted": True,
            },
        )
        for kind in FilingMaterial.Kind.values:
            upload = (
                SimpleUploadedFile("花名册.xlsx", _demo_roster())
                if kind == FilingMaterial.Kind.ROSTER
                else SimpleUploadedFile(f"{kind}.pdf", pdf)
            )
            services.filing_material_upload(filing=filing, kind=kind, upload=upload, uploaded_by=owner)
        services.filing_submit(filing=filing, submitted_by=owner)
        if approve:
            services.filing_approve(filing=filing, approved_by=reviewer, comment="材料齐全, 同意复工复产。")


def _demo_roster() -> bytes:
    from filings.services import ROSTER_TEMPLATE_COLUMNS

    return excel.template_workbook(
        ROSTER_TEMPLATE_COLUMNS,
        title="员工花名册",
        example_rows=[["王一", "320583199001011234", "13900000011", "操作工", "江苏省昆山市", "", ""]],
    )
