"""回头看: each week the closed requests of the week before are drawn for follow-up calls by their districts.

Every 不满意 request is drawn, and a share (SERVICE_REQUEST_LOOK_BACK_SHARE) of the others, sampled with a
random seed that is recorded with the draw: the same seed over the same requests gives the same sample.
"""

import math
import random
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.services import notify
from core.dates import day_start
from service_requests.models import LookBack, LookBackDraw, Rating, ServiceRequest

MSG_NOT_YOUR_DISTRICT = _("只有诉求所在区镇的工作人员可以登记回访结果。")
MSG_OUTCOME_REQUIRED = _("请选择回访结果。")
MSG_NOTE_REQUIRED = _("请填写回访记录。")
MSG_ALREADY_CALLED = _("该回访已登记结果。")
NOTICE_DRAWN = _("本周回头看: %(count)d 件已办结诉求待电话回访")


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def look_back_sample(candidates: list[int], *, seed: int, share: float) -> list[int]:
    """The sampled ids of the satisfied requests: reproducible from the seed (candidates in id order)."""
    ordered = sorted(candidates)
    size = math.ceil(share * len(ordered)) if ordered else 0
    # A reproducible draw that staff can re-run from the seed, not a secret: a seeded PRNG is the point.
    return sorted(random.Random(seed).sample(ordered, size))  # noqa: S311


def look_back_draw(*, week: date, seed: int | None = None, share: float | None = None) -> LookBackDraw:
    """Draw the requests closed in the week starting `week` (a Monday). Idempotent: a week is drawn once."""
    week = week_start(week)
    existing = LookBackDraw.objects.filter(week=week).first()
    if existing is not None:
        return existing
    share = settings.SERVICE_REQUEST_LOOK_BACK_SHARE if share is None else share
    seed = secrets.randbits(48) if seed is None else seed
    closed = ServiceRequest.objects.filter(
        status=ServiceRequest.Status.CLOSED,
        closed_at__gte=day_start(week),
        closed_at__lt=day_start(week + timedelta(7)),
    )
    rows = list(closed.values_list("pk", "rating", "district_id"))
    unsatisfied = [pk for pk, rating, _d in rows if rating == Rating.UNSATISFIED]
    sampled = look_back_sample([pk for pk, rating, _d in rows if rating != Rating.UNSATISFIED], seed=seed, share=share)
    try:
        with transaction.atomic():
            draw = LookBackDraw.objects.create(
                week=week,
                seed=seed,
                share=share,
                closed_count=len(rows),
                unsatisfied_count=len(unsatisfied),
                sampled_count=len(sampled),
            )
            reasons = dict.fromkeys(unsatisfied, LookBack.Reason.UNSATISFIED)
            reasons |= dict.fromkeys(sampled, LookBack.Reason.SAMPLE)
            LookBack.objects.bulk_create(
                [LookBack(draw=draw, request_id=pk, reason=reason) for pk, reason in sorted(reasons.items())]
            )
    except IntegrityError:  # a doubled beat drew the same week at the same moment
        return LookBackDraw.objects.get(week=week)
    districts = {district for pk, _r, district in rows if pk in reasons}
    per_district = {d: sum(1 for pk, _r, dd in rows if dd == d and pk in reasons) for d in districts}
    for district_id, count in per_district.items():
        notify(
            users=User.objects.filter(is_active=True, role=Role.DISTRICT_STAFF, district_id=district_id),
            title=NOTICE_DRAWN % {"count": count},
            url=reverse("service_requests:lookbacks"),
        )
    return draw


def look_back_draw_last_week(*, today: date | None = None) -> LookBackDraw:
    today = today or timezone.localdate()
    return look_back_draw(week=week_start(today) - timedelta(days=7))


@transaction.atomic
def look_back_record(*, look_back: LookBack, called_by: User, outcome: str, note: str) -> LookBack:
    if outcome not in LookBack.Outcome.values:
        raise ValidationError(MSG_OUTCOME_REQUIRED)
    if not note.strip():
        raise ValidationError(MSG_NOTE_REQUIRED)
    look_back = LookBack.objects.select_for_update().select_related("request").get(pk=look_back.pk)
    if not (called_by.role == Role.DISTRICT_STAFF and called_by.district_id == look_back.request.district_id):
        raise PermissionDenied(MSG_NOT_YOUR_DISTRICT)
    if look_back.called_at is not None:
        raise ValidationError(MSG_ALREADY_CALLED)
    look_back.outcome, look_back.note = outcome, note.strip()
    look_back.called_by, look_back.called_at = called_by, timezone.now()
    look_back.save(update_fields=["outcome", "note", "called_by", "called_at"])
    return look_back
