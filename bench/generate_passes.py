"""Return passes and checkpoint checks for the generated registry, in the states of 9 March 2020.

Passes are applied for from 20 February, mostly by the larger enterprises; each is decided by the
enterprise's district. On LAST_DAY at the bench's clock (10:00) about 8 % still wait, 3 % were
refused, and of the issued ones those past their 14 days have expired (a few past their last day
are still "valid": the nightly expiry runs after midnight, and the dashboard must not count them),
2 % were revoked and 1 % suspended. Every issued pass carries a real ES256 token, so the table has
its real width. Checks are spread over the checkpoints (communities) and the hours of the last
seven days, busiest at the shift changes; today's stop at the clock. Rows are written with
bulk_create in batches and respect every constraint of the models; reproducible from the seed.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from stdnum.cn import ric

from accounts.models import User
from bench.generate import SEED
from bench.generate_filings import KUNSHAN, _timestamps_as_given
from bench.generate_workforce import AS_OF, LAST_DAY
from enterprises.models import Enterprise
from passes.models import PassBatch, PassCheck, ReturnPass, Worker
from passes.personal_data import id_number_fields, mask_name
from passes.signing import sign
from reference.models import Community, District, Division

BATCH_SIZE = 5000
PASSES = 400_000  # at full scale (60,000 enterprises)
CHECKS_PER_DAY = 60_000  # at full scale; today's only up to the clock
CHECK_DAYS = 7
FIRST_APPLIED = date(2020, 2, 20)
VALIDITY_DAYS = 14
PASSES_PER_BATCH = 50
S = ReturnPass.Status
# Percent of the passes in each decision; issued passes are then valid, expired, revoked or suspended.
APPLIED, REFUSED, REVOKED, SUSPENDED = 8, 3, 2, 1
STALE_SHARE = 0.002  # issued passes past their last day that the expiry job has not reached yet
NO_CHECKPOINT_SHARE = 0.02  # scans by a public page, not at a checkpoint
REFUSED_CHECK_SHARE = 0.03
# Relative number of checks in each hour of the day: the morning and evening shift changes.
HOUR_WEIGHTS = (1, 1, 1, 1, 2, 4, 10, 16, 14, 6, 4, 4, 5, 4, 4, 4, 5, 12, 15, 9, 5, 3, 2, 1)
SURNAMES = "王李张刘陈杨黄赵周吴徐孙朱马胡郭林何高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚"


@dataclass
class PassesGenerated:
    seconds: float = 0.0
    workers: int = 0
    passes: int = 0
    batches: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    issued_today: int = 0
    stale_valid: int = 0
    checks: int = 0
    checks_today: int = 0


def passes_clear() -> None:
    PassCheck.objects.all().delete()
    ReturnPass.objects.all().delete()
    PassBatch.objects.all().delete()
    Worker.objects.all().delete()


def _origin() -> Division:
    province, _created = Division.objects.get_or_create(
        code="510000", defaults={"name": "四川省", "full_name": "四川省", "level": Division.Level.PROVINCE}
    )
    city, _created = Division.objects.get_or_create(
        code="511600",
        defaults={"name": "广安市", "full_name": "四川省广安市", "level": Division.Level.CITY, "parent": province},
    )
    origin, _created = Division.objects.get_or_create(
        code="511602",
        defaults={"name": "广安区", "full_name": "四川省广安市广安区", "level": Division.Level.COUNTY, "parent": city},
    )
    return origin


def _id_number(serial: int) -> str:
    body = f"320583{date(1965, 1, 1) + timedelta(days=serial // 900):%Y%m%d}{serial % 900 + 100:03d}"
    return body + ric.calc_check_digit(body)


def _moment(rng: random.Random, day: date, start_hour: int = 8, end_hour: int = 18) -> datetime:
    seconds = rng.randrange(start_hour * 3600, end_hour * 3600)
    return datetime.combine(day, time.min, tzinfo=KUNSHAN) + timedelta(seconds=seconds)


def _state(rng: random.Random, applied_on: date) -> tuple[str, datetime | None, date | None, date | None]:
    """(status, issued_at, valid_from, valid_until) as of LAST_DAY at the clock."""
    roll = rng.random() * 100
    if roll < APPLIED or applied_on == LAST_DAY and roll < 60:
        return S.APPLIED, None, None, None
    if roll < APPLIED + REFUSED:
        return S.REFUSED, None, None, None
    issued_on = min(LAST_DAY, applied_on + timedelta(days=rng.choice((0, 1, 1, 2))))
    issued_at = _moment(rng, issued_on, 8, 10 if issued_on == LAST_DAY else 18)
    valid_until = issued_on + timedelta(days=VALIDITY_DAYS - 1)
    if roll < APPLIED + REFUSED + REVOKED:
        return S.REVOKED, issued_at, issued_on, valid_until
    if roll < APPLIED + REFUSED + REVOKED + SUSPENDED:
        return S.SUSPENDED, issued_at, issued_on, valid_until
    if valid_until < LAST_DAY:
        return (S.VALID if rng.random() < STALE_SHARE else S.EXPIRED), issued_at, issued_on, valid_until
    return S.VALID, issued_at, issued_on, valid_until


@transaction.atomic
def generate_passes(n: int, *, applied_by: User, seed: int = SEED) -> PassesGenerated:
    """n passes, one worker each, over the active enterprises weighted by headcount."""
    rng = random.Random(f"{seed}-passes")
    out = PassesGenerated()
    enterprises = list(
        Enterprise.objects.filter(status=Enterprise.Status.ACTIVE)
        .order_by("pk")
        .values_list("pk", "district_id", "name", "headcount")
    )
    if not enterprises or n < 1:
        return out
    origin = _origin()
    communities: dict[int, list[int]] = {}
    for pk, district_id in Community.objects.order_by("code").values_list("pk", "district_id"):
        communities.setdefault(district_id, []).append(pk)
    district_names = dict(District.objects.values_list("pk", "name"))
    owners = rng.choices(enterprises, weights=[e[3] for e in enterprises], k=n)
    days = (LAST_DAY - FIRST_APPLIED).days + 1
    with _timestamps_as_given(Worker, PassBatch, ReturnPass):
        for start in range(0, n, BATCH_SIZE):
            chunk = owners[start : start + BATCH_SIZE]
            _write_chunk(rng, start, chunk, origin, communities, district_names, days, applied_by, out)
    out.by_status = {status: out.by_status.get(status, 0) for status in S.values}
    from passes.tallies import pass_tallies_rebuild

    pass_tallies_rebuild()  # written past the services: recounted as the night does
    return out


def _write_chunk(rng, start, chunk, origin, communities, district_names, days, applied_by, out) -> None:
    districts = sorted(district_names)
    workers, plans = [], []
    for offset, (enterprise_id, district_id, enterprise_name, _headcount) in enumerate(chunk):
        serial = start + offset
        home = rng.choice([d for d in districts if d != district_id] or districts)
        applied_on = FIRST_APPLIED + timedelta(days=min(days - 1, int(rng.random() ** 0.7 * days)))
        created = _moment(rng, applied_on, 8, 10 if applied_on == LAST_DAY else 20)
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        workers.append(
            Worker(
                enterprise_id=enterprise_id,
                name=name,
                **id_number_fields(_id_number(serial)),
                mobile=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                origin=origin,
                arrived_on=applied_on - timedelta(days=rng.randint(1, 10)),
                quarantine_status=Worker.Quarantine.ENDED,
                residence_district_id=home,
                residence_community_id=rng.choice(communities.get(home, [None])),
                residence_address="昆山市前进路100号",
                housing_331_compliant=True,
                job="操作工",
                created_at=created - timedelta(days=3),
                updated_at=created,
            )
        )
        plans.append((enterprise_id, district_id, enterprise_name, home, created, _state(rng, applied_on)))
    Worker.objects.bulk_create(workers, batch_size=BATCH_SIZE)
    # One application per enterprise per PASSES_PER_BATCH workers of this chunk.
    batches: dict[tuple[int, int], PassBatch] = {}
    for index, (enterprise_id, *_rest) in enumerate(plans):
        key = (enterprise_id, index // PASSES_PER_BATCH)
        if key not in batches:
            batches[key] = PassBatch(enterprise_id=enterprise_id, applied_by=applied_by, created_at=plans[index][4])
    PassBatch.objects.bulk_create(list(batches.values()), batch_size=BATCH_SIZE)
    passes = []
    for index, (worker, plan) in enumerate(zip(workers, plans, strict=True)):
        enterprise_id, district_id, _enterprise_name, home, created, (status, issued_at, valid_from, valid_until) = plan
        number = f"KS{start + index:010d}"
        token, kid = "", ""
        if issued_at is not None:
            token, kid = sign(
                {
                    "n": number,
                    "nm": mask_name(worker.name),
                    "i4": worker.id_number_masked[-4:],  # as pass_claims signs them (issue 17)
                    "c": district_names[home],
                    "vf": valid_from.isoformat(),
                    "vu": valid_until.isoformat(),
                    "iat": int(issued_at.timestamp()),
                }
            )
        passes.append(
            ReturnPass(
                number=number,
                batch=batches[(enterprise_id, index // PASSES_PER_BATCH)],
                worker=worker,
                enterprise_id=enterprise_id,
                issuing_district_id=district_id,
                residence_district_id=home,
                residence_community_id=worker.residence_community_id,
                status=status,
                valid_from=valid_from,
                valid_until=valid_until,
                token=token,
                key_id=kid,
                issued_at=issued_at,
                decided_by=applied_by if status != S.APPLIED else None,
                status_reason="基准测试" if status in (S.REFUSED, S.REVOKED, S.SUSPENDED) else "",
                created_at=created,
                updated_at=issued_at or created,
            )
        )
        out.by_status[status] = out.by_status.get(status, 0) + 1
        out.issued_today += issued_at is not None and issued_at.date() == LAST_DAY
        out.stale_valid += status == S.VALID and valid_until < LAST_DAY
    ReturnPass.objects.bulk_create(passes, batch_size=BATCH_SIZE)
    out.workers += len(workers)
    out.passes += len(passes)
    out.batches += len(batches)


@transaction.atomic
def generate_checks(per_day: int, *, days: int = CHECK_DAYS, seed: int = SEED) -> PassesGenerated:
    """`per_day` checks on each of the `days` days up to LAST_DAY; LAST_DAY's only up to the clock (AS_OF)."""
    rng = random.Random(f"{seed}-checks")
    out = PassesGenerated()
    community_ids = list(Community.objects.order_by("code").values_list("pk", flat=True))
    numbers = list(ReturnPass.objects.filter(status=S.VALID).order_by("?")[:5000].values_list("number", flat=True))
    numbers = numbers or ["KS0000000000"]
    hours = list(range(24))
    for day_index in range(days):
        day = LAST_DAY - timedelta(days=days - 1 - day_index)
        checks = []
        for _ in range(per_day):
            hour = rng.choices(hours, weights=HOUR_WEIGHTS)[0]
            when = datetime.combine(day, time(hour), tzinfo=KUNSHAN) + timedelta(seconds=rng.randrange(3600))
            if when >= AS_OF:
                continue
            refused = rng.random() < REFUSED_CHECK_SHARE
            checks.append(
                PassCheck(
                    checked_at=when,
                    pass_number=rng.choice(numbers),
                    result=rng.choice((PassCheck.Result.REVOKED, PassCheck.Result.EXPIRED))
                    if refused
                    else PassCheck.Result.VALID,
                    community_id=None if rng.random() < NO_CHECKPOINT_SHARE else rng.choice(community_ids),
                )
            )
        PassCheck.objects.bulk_create(checks, batch_size=BATCH_SIZE)
        out.checks += len(checks)
        if day == LAST_DAY:
            out.checks_today = len(checks)
    from passes.tallies import pass_tallies_rebuild

    pass_tallies_rebuild()  # written past the check log: recounted as the night does
    return out
