"""The demo city for `make run`: every district with enterprises in several industries and 30 days of
filings, daily workforce and capacity reports and daily summaries, rising toward the 应复尽复 target, and
return passes (issued through the services) with a week of checkpoint scans.

Rows are written with bulk_create (the services would take minutes), as the services would write them:
each filing has its reference, review deadline, negative-list version, five materials and its events
(submitted, then approved by the district's staff); its actual work date is the day of the first report
with people on duty since it was sent (what workforce_report_save records); the daily summaries are built by
the real service. The small demo of portal/demo.py is left as it is. Reproducible from one seed, and
idempotent: once the city's enterprises exist, running again writes nothing.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from stdnum.cn import uscc

from accounts.models import Role, User
from enterprises.models import Enterprise
from reference.models import District

SEED = 2020
DAYS = 30
PER_DISTRICT = 14
CODE_PREFIX = "91320583DEMC"  # DEMA: the small demo's enterprises; DEMC: the city's
USERNAME_PREFIX = "demo_city_"
MATERIAL_DIR = "demo-city"

# (industry class, name word, above-scale possible): manufacturing first, then trade, services, one cinema
# (on the demo negative list: it should not resume yet, and does not).
INDUSTRIES = [
    ("3982", "电子科技", True),
    ("3971", "光电科技", True),
    ("3484", "精密机械", True),
    ("3491", "智能装备", True),
    ("3670", "汽车零部件", True),
    ("3311", "钢结构", True),
    ("2929", "塑胶制品", True),
    ("3851", "电器", True),
    ("1431", "食品", False),
    ("1761", "针织", False),
    ("5191", "再生资源", False),
    ("5990", "仓储物流", False),
    ("6210", "餐饮管理", False),
    ("6110", "酒店管理", False),
    ("6513", "软件", False),
    ("8760", "影城", False),
]
TRADE = "恒华鼎宏金瑞润新永正中友德亚富嘉盛通达隆泰昌荣佳美捷利源丰安康信诚和兴博凯欣伟科锐创航联汇天宇晟腾威森立"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def city_credit_code(serial: int) -> str:
    body = f"{CODE_PREFIX}{serial:05d}"
    return body + uscc.calc_check_digit(body)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@dataclass
class _Plan:
    enterprise: Enterprise
    user: User
    midpoint: float  # the day index by which half of the staff are back
    duty_share: float  # of those back, on duty once resumed
    sent_day: date | None = None
    sent_at: datetime | None = None
    returned: list[int] = field(default_factory=list)


def demo_city_seed(*, staff_by_district: dict[int, User] | None = None, seed: int = SEED) -> bool:
    """Build the city once; False (and nothing written) when it exists already."""
    if Enterprise.objects.filter(credit_code__startswith=CODE_PREFIX).exists():
        return False
    with transaction.atomic():
        _build(random.Random(seed), staff_by_district or {})
    return True


def _build(rng: random.Random, staff_by_district: dict[int, User]) -> None:
    now = timezone.now()
    today = timezone.localdate(now)
    first_day = today - timedelta(days=DAYS - 1)
    districts = list(District.objects.order_by("sort_order", "pk"))
    reviewers = {d.pk: staff_by_district.get(d.pk) or _reviewer(d) for d in districts}
    plans = _enterprises(rng, districts)
    _filings(rng, plans, reviewers, first_day, today, now)
    _reports(rng, plans, first_day, today, now)
    _passes(rng, plans, reviewers, today, now)
    from passes.tallies import pass_tallies_rebuild
    from workforce.resumption import standings_rebuild
    from workforce.services import daily_summary_build

    # The rows above were written in bulk, past the services that keep the dashboards' standings and tallies.
    standings_rebuild()
    pass_tallies_rebuild()

    for offset in range(DAYS):
        day = first_day + timedelta(days=offset)
        daily_summary_build(day=day, final=day < today)


PASS_ENTERPRISES_PER_DISTRICT = 3
WORKERS_PER_PASS_ENTERPRISE = 6
LOW_RISK_ORIGIN = "511602"  # 四川省广安市广安区: low risk on the demo risk-area list


def _passes(rng: random.Random, plans: list[_Plan], reviewers: dict[int, User], today: date, now) -> None:
    """Workers living in another district, with return passes applied for and issued through the services, for a
    few enterprises of each district; and the checkpoints' scans of those passes over the last week, most at
    the morning and evening peaks (the dashboards' checks and hourly chart)."""
    from passes.models import Entrance, PassCheck, Worker
    from passes.personal_data import id_number_fields
    from passes.services import return_passes as services
    from portal.demo import _ric_check
    from reference.models import Community, Division

    origin = Division.objects.get(code=LOW_RISK_ORIGIN)
    communities = list(Community.objects.select_related("district").order_by("code"))
    issued, serial, taken = [], 0, {}
    for plan in plans:
        district_id = plan.enterprise.district_id
        if taken.get(district_id, 0) >= PASS_ENTERPRISES_PER_DISTRICT or plan.sent_day is None:
            continue
        taken[district_id] = taken.get(district_id, 0) + 1
        homes = [c for c in communities if c.district_id != district_id]
        workers = []
        for _ in range(WORKERS_PER_PASS_ENTERPRISE):
            serial += 1
            body = f"510104{date(1985, 1, 1) + timedelta(days=serial * 53):%Y%m%d}{serial:03d}"
            home, arrived = rng.choice(homes), today - timedelta(days=rng.randint(15, 28))
            name = rng.choice("王李张刘陈杨黄赵吴周") + rng.choice(TRADE) + rng.choice(TRADE)
            workers.append(
                Worker(
                    enterprise=plan.enterprise,
                    name=name,
                    mobile=f"1370000{serial:04d}",
                    origin=origin,
                    arrived_on=arrived,
                    quarantine_status="home",
                    quarantine_started_on=arrived,
                    temperature=Decimal("36.5"),
                    temperature_taken_at=now,
                    residence_district=home.district,
                    residence_community=home,
                    residence_address=f"{home.district.name}演示公寓{serial}室",
                    housing_331_compliant=True,
                    job="操作工",
                    **id_number_fields(body + _ric_check(body)),
                )
            )
        workers = Worker.objects.bulk_create(workers)
        batch = services.return_pass_apply(
            enterprise=plan.enterprise, workers=workers, applied_by=plan.user, note="演示城市"
        )
        issued += services.return_pass_issue(
            pass_ids=batch.passes.values_list("pk", flat=True), issued_by=reviewers[district_id]
        ).done
    # Each community's gates, the first the busiest (the chart of peak flow has something to show).
    gates: dict[int, list[int]] = {}
    for community_id, entrance_id in Entrance.objects.order_by("pk").values_list("community_id", "pk"):
        gates.setdefault(community_id, []).append(entrance_id)
    checks = []
    for return_pass in issued:
        for back in range(7):
            for hour in (rng.choice((7, 8)), rng.choice((17, 18))):
                checked_at = _at(today - timedelta(days=back), hour, rng.randint(0, 59))
                if checked_at <= now:
                    checks.append(
                        PassCheck(
                            checked_at=checked_at,
                            pass_number=return_pass.number,
                            result=PassCheck.Result.VALID,
                            community=return_pass.residence_community,
                            entrance_id=_gate(rng, gates.get(return_pass.residence_community_id, [])),
                        )
                    )
    PassCheck.objects.bulk_create(checks, batch_size=1000)


def _gate(rng: random.Random, entrance_ids: list[int]) -> int | None:
    if not entrance_ids:
        return None
    return rng.choices(entrance_ids, weights=[3] + [1] * (len(entrance_ids) - 1))[0]


def _reviewer(district: District) -> User:
    """Staff of a district without a demo account: reviews the city's filings; nobody logs in with it."""
    user, _created = User.objects.get_or_create(
        username=f"{USERNAME_PREFIX}staff_{district.code}",
        defaults={
            "full_name": f"{district.name}审核员",
            "role": Role.DISTRICT_STAFF,
            "district": district,
            "is_active": False,
        },
    )
    return user


def _enterprises(rng: random.Random, districts: list[District]) -> list[_Plan]:
    rows, serial = [], 0
    for district in districts:
        # Each district has several industries: the first eight cover manufacturing, trade and services.
        picks = rng.sample(INDUSTRIES[:8], 5) + rng.sample(INDUSTRIES[8:15], 4)
        picks += [rng.choice(INDUSTRIES[:15]) for _ in range(PER_DISTRICT - len(picks) - 1)]
        picks.append(INDUSTRIES[15] if serial % 3 == 0 else rng.choice(INDUSTRIES[8:15]))
        for code, word, can_be_above in picks:
            serial += 1
            above = can_be_above and rng.random() < 0.55
            headcount = rng.randint(300, 3000) if above else rng.randint(20, 280)
            rows.append(
                Enterprise(
                    credit_code=city_credit_code(serial),
                    name=f"昆山{''.join(rng.sample(TRADE, 2))}{word}有限公司",
                    district=district,
                    industry_id=code,
                    address=f"江苏省昆山市{district.name}演示大道{serial}号",
                    legal_representative="演示法人",
                    contact_name="演示联系人",
                    contact_mobile=f"1391{serial:07d}",
                    headcount=headcount,
                    is_above_scale=above,
                    is_key=above and rng.random() < 0.3,
                    is_chain_leader=above and rng.random() < 0.1,
                    status=Enterprise.Status.ACTIVE,
                )
            )
    enterprises = Enterprise.objects.bulk_create(rows)
    enterprises = list(
        Enterprise.objects.filter(credit_code__in=[e.credit_code for e in enterprises]).order_by("credit_code")
    )
    users = User.objects.bulk_create(
        [
            User(
                username=f"{USERNAME_PREFIX}{e.credit_code[-6:]}",
                full_name=f"{e.name[:8]}填报员",
                role=Role.ENTERPRISE,
                enterprise=e,
                is_active=False,
                password="!",
            )
            for e in enterprises
        ]
    )
    users = {u.enterprise_id: u for u in User.objects.filter(username__in=[u.username for u in users])}
    return [_Plan(e, users[e.pk], midpoint=rng.uniform(6, 32), duty_share=rng.uniform(0.7, 0.95)) for e in enterprises]


def _filings(rng, plans: list[_Plan], reviewers: dict[int, User], first_day: date, today: date, now) -> None:
    from filings.models import Filing, FilingEvent, FilingMaterial, FilingReferenceCounter
    from filings.services import review_deadline
    from negative_list.models import ResumptionScope
    from negative_list.selectors import negative_list_rules

    S = Filing.Status
    rules_today = negative_list_rules(on=today)
    rules_by_day: dict[date, object] = {}
    counters = dict(FilingReferenceCounter.objects.values_list("day", "last"))
    filings, sent = [], []
    for plan in plans:
        restricted = rules_today.restriction(plan.enterprise.industry, ResumptionScope.WORK) is not None
        if restricted or rng.random() < 0.06:
            continue  # on the negative list, or not filed yet: the 未备案 the dashboard names
        # Filings open slowly after the holiday, most come in around each enterprise's return of staff.
        index = max(0, round(plan.midpoint + rng.gauss(-4, 3)))
        if index >= DAYS:
            continue  # staff still away: files in the days to come
        day = first_day + timedelta(days=index)
        sent_at = _at(day, rng.randint(8, 17), rng.randint(0, 59))
        if sent_at >= now:
            continue
        rules = rules_by_day.setdefault(day, negative_list_rules(on=day))
        counters[day] = counters.get(day, 0) + 1
        approved_at = sent_at + timedelta(hours=rng.randint(2, 30))
        approved = approved_at < now - timedelta(hours=1) and rng.random() < 0.9
        plan.sent_day, plan.sent_at = day, sent_at
        filings.append(
            Filing(
                enterprise=plan.enterprise,
                reference=f"KSFG-{day:%Y%m%d}-{counters[day]:05d}",
                status=S.APPROVED if approved else S.SUBMITTED,
                scope_work=True,
                scope_production=_makes_things(plan),
                scope_business=not _makes_things(plan),
                planned_resume_on=day + timedelta(days=rng.randint(0, 3)),
                planned_headcount=plan.enterprise.headcount,
                masks_in_stock=plan.enterprise.headcount * 20,
                thermometers_in_stock=max(5, plan.enterprise.headcount // 50),
                has_disinfection=True,
                has_isolation_room=True,
                canteen=Filing.Canteen.STAGGERED,
                contact_name="防控专员",
                contact_mobile=f"1392{plan.enterprise.pk:07d}",
                commitment_accepted=True,
                submitted_at=sent_at,
                review_deadline=review_deadline(sent_at),
                submitted_under=rules.version,
                decided_at=approved_at if approved else None,
                decided_by=reviewers[plan.enterprise.district_id] if approved else None,
                decision_comment="材料齐全, 同意复工复产。" if approved else "",
                decided_under=rules_by_day.setdefault(
                    timezone.localdate(approved_at), negative_list_rules(on=timezone.localdate(approved_at))
                ).version
                if approved
                else None,
                created_by=plan.user,
            )
        )
        sent.append(plan)
    Filing.objects.bulk_create(filings)
    for day, last in counters.items():
        FilingReferenceCounter.objects.update_or_create(day=day, defaults={"last": last})
    filings = {f.enterprise_id: f for f in Filing.objects.filter(enterprise__in=[p.enterprise for p in sent])}
    events, materials = [], []
    files = _material_files()
    for plan in sent:
        filing = filings[plan.enterprise.pk]
        events.append(FilingEvent(filing=filing, actor=plan.user, from_status=S.DRAFT, to_status=S.SUBMITTED))
        if filing.status == S.APPROVED:
            events.append(
                FilingEvent(
                    filing=filing,
                    actor=filing.decided_by,
                    from_status=S.SUBMITTED,
                    to_status=S.APPROVED,
                    comment=filing.decision_comment,
                )
            )
        for kind in FilingMaterial.Kind.values:
            name, file_kind, size = files[kind]
            materials.append(
                FilingMaterial(
                    filing=filing,
                    kind=kind,
                    file=name,
                    file_kind=file_kind,
                    original_name=f"{FilingMaterial.Kind(kind).label}.{file_kind}",
                    size=size,
                    uploaded_by=plan.user,
                )
            )
    FilingEvent.objects.bulk_create(events)
    FilingMaterial.objects.bulk_create(materials)
    _stamp_events(filings)


def _makes_things(plan: _Plan) -> bool:
    """Manufacturing (GB/T 4754 divisions 13-43) files work and production; the others work and business."""
    return "13" <= plan.enterprise.industry_id[:2] <= "43"


def _stamp_events(filings: dict) -> None:
    """Each row at the moment it happened (auto_now_add stamped the build's time)."""
    from filings.models import Filing, FilingEvent, FilingMaterial

    for filing in filings.values():
        started = filing.submitted_at - timedelta(days=1)
        Filing.objects.filter(pk=filing.pk).update(created_at=started, updated_at=filing.decided_at or started)
        FilingMaterial.objects.filter(filing=filing).update(uploaded_at=started)
    for event in FilingEvent.objects.filter(filing__in=filings.values()).select_related("filing"):
        when = event.filing.submitted_at if event.to_status == Filing.Status.SUBMITTED else event.filing.decided_at
        FilingEvent.objects.filter(pk=event.pk).update(created_at=when)


def _material_files() -> dict[str, tuple[str, str, int]]:
    """One stored file per kind of material, shared by the city's filings: (name, format, size)."""
    from filings.models import FilingMaterial
    from portal.demo import _demo_roster

    found = {}
    for kind in FilingMaterial.Kind.values:
        roster = kind == FilingMaterial.Kind.ROSTER
        content, file_kind = (_demo_roster(), "xlsx") if roster else (PDF, "pdf")
        name = f"{MATERIAL_DIR}/{kind}.{file_kind}"
        if not default_storage.exists(name):
            name = default_storage.save(name, ContentFile(content))
        found[kind] = (name, file_kind, len(content))
    return found


def _returned_share(plan: _Plan, index: int) -> float:
    """Share of the staff back in Kunshan on day `index`: a logistic rise around the enterprise's midpoint."""
    return 0.12 + 0.83 / (1 + math.exp(-(index - plan.midpoint) / 2.5))


def _reports(rng, plans: list[_Plan], first_day: date, today: date, now) -> None:
    from filings.models import Filing
    from workforce.models import CapacityReport, WorkforceReport
    from workforce.services import report_cutoff

    reports, capacity, resumed_on = [], [], {}
    for plan in plans:
        total = plan.enterprise.headcount
        previous, arrivals = round(total * _returned_share(plan, -1)), []
        for index in range(DAYS):
            day = first_day + timedelta(days=index)
            returned = max(previous, round(total * _returned_share(plan, index)))
            today_back = returned - previous
            arrivals.append(today_back)
            previous = returned
            late = rng.random() < 0.05
            at = _at(day, 16, rng.randint(5, 55)) if late else _at(day, rng.randint(8, 15), rng.randint(0, 59))
            if at >= now or rng.random() < 0.03:
                continue  # not reported (yet)
            working = plan.sent_day is not None and day >= plan.sent_day
            on_duty = (
                round(returned * plan.duty_share * min(1, 0.6 + 0.05 * (day - plan.sent_day).days)) if working else 0
            )
            if on_duty and plan.enterprise.pk not in resumed_on:
                resumed_on[plan.enterprise.pk] = day
            away = total - returned
            high, medium = away // 10, away // 5
            quarantine = min(returned, sum(arrivals[-14:]))
            reports.append(
                WorkforceReport(
                    enterprise=plan.enterprise,
                    day=day,
                    total_employees=total,
                    returned=returned,
                    on_duty=on_duty,
                    away_high=high,
                    away_medium=medium,
                    away_low=away - high - medium,
                    in_quarantine=quarantine,
                    returned_today=today_back,
                    returned_today_high=0,
                    returned_today_medium=today_back // 10,
                    is_late=at > report_cutoff(day),
                    submitted_by=plan.user,
                    submitted_at=at,
                )
            )
            if plan.enterprise.is_above_scale and on_duty:
                percent = Decimal(str(min(105, round(100 * on_duty / total * rng.uniform(0.95, 1.15), 1))))
                kwh_last_year = total * 25
                capacity.append(
                    CapacityReport(
                        enterprise=plan.enterprise,
                        day=day,
                        capacity_percent=percent,
                        staff_on_site=on_duty,
                        electricity_kwh=(kwh_last_year * percent / 100).quantize(Decimal("0.1")),
                        electricity_kwh_last_year=kwh_last_year,
                        orders_on_hand=total * rng.randint(8, 20),
                        blockers=""
                        if percent >= 80
                        else rng.choice(
                            (
                                "员工返岗不足, 外地员工尚未返昆。",
                                "上游供应商未复工, 原材料短缺。",
                                "物流运输受阻, 成品无法发出。",
                            )
                        ),
                        submitted_by=plan.user,
                        submitted_at=at,
                    )
                )
    WorkforceReport.objects.bulk_create(reports, batch_size=2000)
    CapacityReport.objects.bulk_create(capacity, batch_size=2000)
    # What workforce_report_save records: the first report with people on duty since the filing was sent.
    for enterprise_id, day in resumed_on.items():
        Filing.objects.filter(enterprise_id=enterprise_id, resumed_work_on__isnull=True).update(resumed_work_on=day)
