"""Resumption filings for the generated registry: one per enterprise, in the states of a busy second week.

The bench's clock stands at AS_OF (2020-03-10 08:00 in Kunshan), the morning after nine days of
submissions: most filings are decided, a quarter wait in the queue and half of those are past their
one-working-day review deadline. Rows are written with bulk_create, timestamps as given (not "now"),
and respect every constraint the workflow does: one open filing per enterprise, a reference and a
submission time once submitted, a decision time once decided, and no submission at all for an
enterprise whose requested scopes the negative list restricts (filing_submit would refuse it).
"""

import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from accounts.models import Notification, Role, User
from bench.generate import BATCH_SIZE, SEED
from enterprises.models import Enterprise
from filings.models import Filing, FilingEvent, FilingMaterial, FilingReferenceCounter
from filings.services import review_deadline
from negative_list.models import ResumptionScope
from negative_list.selectors import negative_list_rules
from reference.models import District, IndustryAuthority

S = Filing.Status
KUNSHAN = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2020, 3, 10, 8, 0, tzinfo=KUNSHAN)  # the bench's "now" for the filing cases
SUBMITTED_FROM = datetime(2020, 3, 1, tzinfo=KUNSHAN)
SUBMITTED_UNTIL = datetime(2020, 3, 10, tzinfo=KUNSHAN)  # exclusive: submitted 1 to 9 March
EARLIEST_START = datetime(2020, 2, 24, tzinfo=KUNSHAN)  # the first drafts, a week before filing opened

# Percent of filings per state.
STATUS_WEIGHTS = {S.APPROVED: 55, S.SUBMITTED: 25, S.RETURNED: 8, S.REJECTED: 2, S.DRAFT: 10}
OVERDUE_SHARE = 0.5  # of the submitted ones, past their review deadline at AS_OF
REVIEWERS_PER_DISTRICT = 2

PRODUCTION_SECTIONS = frozenset("ABCDE")  # factories, mines, utilities, builders: work and production
CONSUMER_SECTIONS = frozenset("FHOPR")  # shops, restaurants, services, schools, venues: work and business

MATERIALS = {  # kind: (original name, format, size range in bytes)
    FilingMaterial.Kind.PREVENTION_PLAN: ("疫情防控方案.pdf", "pdf", (80_000, 900_000)),
    FilingMaterial.Kind.COMMITMENT_LETTER: ("复工复产承诺书.pdf", "pdf", (150_000, 2_500_000)),
    FilingMaterial.Kind.EMERGENCY_PLAN: ("应急处置预案.docx", "docx", (30_000, 400_000)),
    FilingMaterial.Kind.ROSTER: ("员工花名册.xlsx", "xlsx", (12_000, 600_000)),
    FilingMaterial.Kind.SUPPLIES_LIST: ("防疫物资清单.xlsx", "xlsx", (9_000, 60_000)),
}
DUMMY_FILE = "bench/dummy-material.pdf"  # never written: the pages only list materials

APPROVAL_COMMENTS = ("", "", "", "", "材料齐全, 同意复工复产。", "请落实每日体温检测和消毒登记。")
RETURN_REASONS = (  # (material kind or "", the reviewer's comment)
    (FilingMaterial.Kind.ROSTER, "员工花名册缺少返昆日期, 请补充后重新提交。"),
    (FilingMaterial.Kind.COMMITMENT_LETTER, "承诺书未加盖公章, 请重新上传。"),
    (FilingMaterial.Kind.SUPPLIES_LIST, "口罩储备不足两周用量, 请补充后重新提交。"),
    ("", "应急处置预案未明确临时隔离室位置, 请补充。"),
)
REJECTION_REASONS = ("经现场核查, 防控措施未落实, 不予通过。", "实际经营场所与登记地址不符, 不予通过。")
GUIDANCE = "请督促企业落实员工返岗前健康申报, 车间分批错峰上岗。"


@dataclass(slots=True)
class _Plan:
    """One enterprise's filing, decided before any row is built so references follow submission order."""

    enterprise: Enterprise
    status: str
    scopes: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None = None
    review_deadline: datetime | None = None
    first_submitted_at: datetime | None = None  # the reference's day; earlier than submitted_at if resubmitted
    decided_at: datetime | None = None
    reviewer: User | None = None
    comment: str = ""
    returned_kind: str = ""
    reference: str | None = None
    featured: bool = False  # the bench enterprise user's filing: returned once, guided, resubmitted


@dataclass
class FilingsGenerated:
    seconds: float = 0.0
    filings: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    overdue: int = 0  # submitted and past the review deadline at AS_OF
    restricted_drafts: int = 0  # enterprises the negative list keeps from submitting
    zhangpu_submitted: int = 0
    events: int = 0
    materials: int = 0
    enterprise_users: int = 0
    enterprise_user: User | None = None
    featured_filing_id: int | None = None


def bench_reviewers_create(staff: User) -> dict[int, list[User]]:
    """Who decided the generated filings: two district staff per district, the bench's own among 张浦镇's."""
    reviewers: dict[int, list[User]] = {}
    for district in District.objects.order_by("code"):
        users = [staff] if district.pk == staff.district_id else []
        for n in range(len(users) + 1, REVIEWERS_PER_DISTRICT + 1):
            users.append(
                User.objects.create_user(
                    username=f"bench_{district.code}_{n}",
                    full_name=f"{district.name}审核{n}",
                    role=Role.DISTRICT_STAFF,
                    district=district,
                )
            )
        reviewers[district.pk] = users
    return reviewers


def bench_authority_create() -> User:
    """An industry-authority reviewer (工信局, manufacturing) who leaves guidance on the featured filing."""
    return User.objects.create_user(
        username="bench_gxj",
        full_name="工信局指导",
        role=Role.AUTHORITY_STAFF,
        industry_authority=IndustryAuthority.objects.get(code="gxj"),
    )


def filings_clear() -> None:
    """Everything the filings generator wrote, so the next scale can delete its enterprises."""
    FilingEvent.objects.all().delete()
    FilingMaterial.objects.all().delete()
    Filing.objects.all().delete()
    FilingReferenceCounter.objects.all().delete()
    Notification.objects.all().delete()
    User.objects.filter(role=Role.ENTERPRISE).delete()


@contextmanager
def _timestamps_as_given(*models) -> Iterator[None]:
    """bulk_create with the generated times: auto_now(_add) would stamp every row with the clock."""
    fields = [
        f
        for model in models
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _overdue_boundary() -> datetime:
    """The earliest submission whose review deadline is not yet past at AS_OF (deadlines rise with time)."""
    low, high = SUBMITTED_FROM, SUBMITTED_UNTIL
    if review_deadline(low) >= AS_OF:
        return low
    if review_deadline(high) < AS_OF:
        return high
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if review_deadline(middle) < AS_OF:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


def _moment(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A time in [start, end), mostly in office hours: few filings are sent at 3 a.m."""
    span = (end - start).total_seconds()
    for _ in range(20):
        moment = start + timedelta(seconds=int(rng.random() * span))
        if 8 <= moment.astimezone(KUNSHAN).hour < 22 or rng.random() < 0.1:
            return moment
    return moment


def _scopes(rng: random.Random, section: str) -> tuple[str, ...]:
    work, production, business = ResumptionScope.values
    if section in PRODUCTION_SECTIONS:
        return (work, production, business) if rng.random() < 0.05 else (work, production)
    if section in CONSUMER_SECTIONS:
        return (work, business)
    return (work, business) if rng.random() < 0.4 else (work,)


def _plans(rng, enterprises, rules, reviewers) -> list[_Plan]:
    boundary = _overdue_boundary()
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    restricted: dict[str, set[str]] = {}  # industry code: the scopes the list restricts
    plans = []
    for enterprise in enterprises:
        industry = enterprise.industry
        if industry.code not in restricted:
            restricted[industry.code] = set(rules.restrictions(industry))
        status = rng.choices(statuses, weights)[0]
        scopes = _scopes(rng, industry.section)
        if status != S.DRAFT and restricted[industry.code].intersection(scopes):
            status = S.DRAFT  # the check step refuses to submit: it stays a draft
        if status == S.DRAFT:
            created = _moment(rng, SUBMITTED_FROM, AS_OF - timedelta(hours=1))
            plans.append(
                _Plan(
                    enterprise,
                    status,
                    scopes if rng.random() < 0.7 else (),
                    created,
                    created + timedelta(minutes=rng.randint(1, 50)),
                )
            )
            continue
        if status == S.SUBMITTED:
            overdue = rng.random() < OVERDUE_SHARE
            submitted = _moment(rng, *((SUBMITTED_FROM, boundary) if overdue else (boundary, SUBMITTED_UNTIL)))
        else:
            submitted = _moment(rng, SUBMITTED_FROM, SUBMITTED_UNTIL)
        created = max(EARLIEST_START, submitted - timedelta(seconds=rng.randint(600, 3 * 86_400)))
        plan = _Plan(
            enterprise,
            status,
            scopes,
            created,
            submitted,
            submitted_at=submitted,
            review_deadline=review_deadline(submitted),
            first_submitted_at=submitted,
        )
        if status != S.SUBMITTED:
            latest = min(submitted + timedelta(hours=30), AS_OF - timedelta(minutes=5))
            plan.decided_at = _moment(rng, submitted + timedelta(minutes=20), latest)
            plan.updated_at = plan.decided_at
            plan.reviewer = rng.choice(reviewers[enterprise.district_id])
            if status == S.APPROVED:
                plan.comment = rng.choice(APPROVAL_COMMENTS)
            elif status == S.RETURNED:
                plan.returned_kind, plan.comment = rng.choice(RETURN_REASONS)
            else:
                plan.comment = rng.choice(REJECTION_REASONS)
        plans.append(plan)
    return plans


def _feature(plans: list[_Plan], district_id: int, reviewers) -> _Plan:
    """The bench enterprise user's filing: a 张浦镇 factory's, sent, returned, guided and sent again."""
    candidates = [
        p
        for p in plans
        if p.status == S.SUBMITTED
        and p.enterprise.district_id == district_id
        and p.submitted_at >= SUBMITTED_FROM + timedelta(days=2)
    ]
    if not candidates:
        raise SystemExit("the generated data has no submitted filing in 张浦镇 for the enterprise user's pages")
    plan = next((p for p in candidates if p.enterprise.industry.section == "C"), candidates[0])
    plan.featured = True
    plan.first_submitted_at = plan.submitted_at - timedelta(hours=28)
    plan.created_at = plan.first_submitted_at - timedelta(hours=3)
    plan.decided_at = plan.first_submitted_at + timedelta(hours=6)  # the return
    plan.reviewer = reviewers[district_id][0]
    plan.returned_kind, plan.comment = RETURN_REASONS[0]
    return plan


def _references(plans: list[_Plan]) -> list[FilingReferenceCounter]:
    """KSFG-YYYYMMDD-NNNNN in submission order per local day, as _next_reference hands them out."""
    last: Counter[date] = Counter()
    for plan in sorted((p for p in plans if p.first_submitted_at), key=lambda p: p.first_submitted_at):
        day = plan.first_submitted_at.astimezone(KUNSHAN).date()
        last[day] += 1
        plan.reference = f"KSFG-{day:%Y%m%d}-{last[day]:05d}"
    return [FilingReferenceCounter(day=day, last=n) for day, n in sorted(last.items())]


def _filing(rng: random.Random, plan: _Plan, user: User, version) -> Filing:
    e = plan.enterprise
    sent = plan.status != S.DRAFT
    filled = sent or rng.random() < 0.5  # half the drafts got past the first steps
    planned = (plan.submitted_at or plan.created_at).astimezone(KUNSHAN).date() + timedelta(days=rng.randint(0, 7))
    # Foreign keys by id: the related-object descriptors cost more than the rest of the row.
    filing = Filing(
        enterprise_id=e.pk,
        reference=plan.reference,
        status=plan.status,
        scope_work=ResumptionScope.WORK in plan.scopes,
        scope_production=ResumptionScope.PRODUCTION in plan.scopes,
        scope_business=ResumptionScope.BUSINESS in plan.scopes,
        planned_resume_on=planned if plan.scopes else None,
        planned_headcount=max(1, int(e.headcount * rng.uniform(0.3, 1.0))) if plan.scopes else None,
        masks_in_stock=e.headcount * rng.randint(4, 30) if filled else None,
        thermometers_in_stock=max(2, e.headcount // rng.randint(10, 40)) if filled else None,
        has_disinfection=filled,
        has_isolation_room=filled and rng.random() < 0.9,
        canteen=rng.choice(Filing.Canteen.values) if filled else "",
        has_shuttle=filled and e.headcount > 100 and rng.random() < 0.5,
        measures_notes="进厂人员一律测温登记, 车间每日两次消毒。" if filled and rng.random() < 0.3 else "",
        contact_name=e.contact_name,
        contact_mobile=e.contact_mobile,
        commitment_accepted=sent,
        submitted_at=plan.submitted_at,
        review_deadline=plan.review_deadline,
        submitted_under_id=version.pk if sent else None,
        decided_at=plan.decided_at,
        decided_by_id=plan.reviewer.pk if plan.reviewer else None,
        decision_comment=plan.comment,
        decided_under_id=version.pk if plan.decided_at else None,
        created_by_id=user.pk,
        created_at=plan.created_at,
        updated_at=plan.updated_at,
    )
    if plan.status == S.APPROVED and rng.random() < 0.6:
        filing.resumed_work_on = min(planned, AS_OF.date() - timedelta(days=1))
        if filing.scope_production:
            filing.resumed_production_on = filing.resumed_work_on
    return filing


def _events(plan: _Plan, filing: Filing, user: User, authority: User) -> list[FilingEvent]:
    if plan.status == S.DRAFT:
        return []
    submit = {"filing_id": filing.pk, "from_status": S.DRAFT, "to_status": S.SUBMITTED}
    events = [FilingEvent(**submit, actor_id=user.pk, created_at=plan.first_submitted_at)]
    if plan.featured:
        events += [
            FilingEvent(
                filing_id=filing.pk,
                kind=FilingEvent.Kind.GUIDANCE,
                actor_id=authority.pk,
                comment=GUIDANCE,
                created_at=plan.first_submitted_at + timedelta(hours=2),
            ),
            FilingEvent(
                filing_id=filing.pk,
                actor_id=plan.reviewer.pk,
                from_status=S.SUBMITTED,
                to_status=S.RETURNED,
                comment=plan.comment,
                created_at=plan.decided_at,
            ),
            FilingEvent(
                filing_id=filing.pk,
                actor_id=user.pk,
                from_status=S.RETURNED,
                to_status=S.SUBMITTED,
                created_at=plan.submitted_at,
            ),
        ]
    elif plan.decided_at:
        events.append(
            FilingEvent(
                filing_id=filing.pk,
                actor_id=plan.reviewer.pk,
                from_status=S.SUBMITTED,
                to_status=plan.status,
                comment=plan.comment,
                created_at=plan.decided_at,
            )
        )
    return events


def _materials(rng: random.Random, plan: _Plan, filing: Filing, user: User) -> list[FilingMaterial]:
    kinds = list(MATERIALS)
    if plan.status == S.DRAFT:
        kinds = kinds[: rng.randint(0, 3)]
    before = plan.first_submitted_at or plan.updated_at
    materials = []
    for kind in kinds:
        name, file_kind, (smallest, largest) = MATERIALS[kind]
        uploaded = plan.created_at + (before - plan.created_at) * rng.uniform(0.2, 0.95)
        materials.append(
            FilingMaterial(
                filing_id=filing.pk,
                kind=kind,
                file=DUMMY_FILE,
                file_kind=file_kind,
                original_name=name,
                size=rng.randint(smallest, largest),
                uploaded_by_id=user.pk,
                uploaded_at=uploaded,
                return_reason=plan.comment[:255] if plan.status == S.RETURNED and kind == plan.returned_kind else "",
            )
        )
    return materials


@transaction.atomic
def generate_filings(
    *, reviewers: dict[int, list[User]], authority: User, district_id: int, seed: int = SEED
) -> FilingsGenerated:
    """One filing per enterprise, with its enterprise user and 1-2 events per sent filing.

    `district_id` is the bench staff's district: its filings get their material rows (the other
    districts' would only slow the generator: no page measured reads them), and the bench enterprise
    user (username bench_enterprise) is chosen there.
    """
    rng = random.Random(f"{seed}-filings")
    rules = negative_list_rules(on=AS_OF.date())
    if rules.version is None:
        raise SystemExit("no negative list in force on the bench's date: load it first (negative_list_demo_load)")
    enterprises = list(Enterprise.objects.select_related("industry").order_by("credit_code"))
    plans = _plans(rng, enterprises, rules, reviewers)
    featured = _feature(plans, district_id, reviewers)
    FilingReferenceCounter.objects.bulk_create(_references(plans))
    out = FilingsGenerated(filings=len(plans), by_status=dict(Counter(str(p.status) for p in plans)))
    out.overdue = sum(1 for p in plans if p.status == S.SUBMITTED and p.review_deadline < AS_OF)
    out.restricted_drafts = sum(
        1 for p in plans if p.status == S.DRAFT and any(rules.restriction(p.enterprise.industry, s) for s in p.scopes)
    )
    out.zhangpu_submitted = sum(1 for p in plans if p.status == S.SUBMITTED and p.enterprise.district_id == district_id)
    with _timestamps_as_given(Filing, FilingEvent, FilingMaterial):
        for start in range(0, len(plans), BATCH_SIZE):
            batch = plans[start : start + BATCH_SIZE]
            users = [
                User(
                    username="bench_enterprise" if p.featured else f"bench_e_{p.enterprise.credit_code}",
                    password="!bench",
                    role=Role.ENTERPRISE,
                    enterprise_id=p.enterprise.pk,
                    full_name=p.enterprise.contact_name,
                    mobile=p.enterprise.contact_mobile,
                    email=f"{p.enterprise.credit_code.lower()}@bench.example.com",
                    date_joined=p.created_at - timedelta(hours=1),
                )
                for p in batch
            ]
            User.objects.bulk_create(users, batch_size=BATCH_SIZE)
            filings = [_filing(rng, p, u, rules.version) for p, u in zip(batch, users, strict=True)]
            Filing.objects.bulk_create(filings, batch_size=BATCH_SIZE)
            events = [e for p, f, u in zip(batch, filings, users, strict=True) for e in _events(p, f, u, authority)]
            FilingEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
            materials = [
                m
                for p, f, u in zip(batch, filings, users, strict=True)
                if p.enterprise.district_id == district_id
                for m in _materials(rng, p, f, u)
            ]
            FilingMaterial.objects.bulk_create(materials, batch_size=BATCH_SIZE)
            out.events += len(events)
            out.materials += len(materials)
            out.enterprise_users += len(users)
            for p, f, u in zip(batch, filings, users, strict=True):
                if p is featured:
                    out.enterprise_user, out.featured_filing_id = u, f.pk
    # Written past the services: the dashboards' standings and report tallies are recounted as the night does.
    from workforce.resumption import standings_rebuild

    standings_rebuild()
    return out
