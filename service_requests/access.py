"""A pass holder turned away at a community (clause 9: communities may not refuse pass holders entry) reports it
from the public page of the pass, without an account. The report is a request of the holder's enterprise in the
通行/租房受限 category, raised on the holder's behalf and routed to the district of the community that refused: it
gets a deadline in working days and runs the same closed loop (accept, answer with what the district did, the
enterprise confirms or it closes as 视为满意; escalation when overdue)."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.validators import validate_mobile
from passes.selectors.holders import valid_pass_for_token
from reference.models import Community
from service_requests.models import AccessComplaint, Category, Channel, ServiceRequest, ServiceRequestEvent, Urgency
from service_requests.services import _notify_routed, request_deadline

TEXT_MAX = 500
OLDEST_DAYS = 30
CLOCK_SKEW = timedelta(minutes=10)  # a phone's clock a little ahead of the server's

MSG_PASS_INVALID = _("该通行证当前无效, 不能在此反映。如有疑问请联系所在企业。")
MSG_TEXT_REQUIRED = _("请简要说明被拒绝的经过。")
MSG_TEXT_TOO_LONG = _("说明请不超过 %(max)d 字。")
MSG_ENTRANCE_REQUIRED = _("请填写出入口, 如“东门”。")
MSG_TIME_FUTURE = _("被拒时间不能晚于现在。")
MSG_TIME_TOO_OLD = _("只受理 %(days)d 天内的被拒通行反映。")
TITLE = _("持证被拒通行: %(community)s %(entrance)s")


def _check(*, entrance: str, refused_at: datetime, text: str, mobile: str, now: datetime) -> dict[str, list]:
    errors: dict[str, list] = {}
    if not entrance:
        errors["entrance"] = [MSG_ENTRANCE_REQUIRED]
    if not text:
        errors["text"] = [MSG_TEXT_REQUIRED]
    elif len(text) > TEXT_MAX:
        errors["text"] = [MSG_TEXT_TOO_LONG % {"max": TEXT_MAX}]
    if refused_at > now + CLOCK_SKEW:
        errors["refused_at"] = [MSG_TIME_FUTURE]
    elif refused_at < now - timedelta(days=OLDEST_DAYS):
        errors["refused_at"] = [MSG_TIME_TOO_OLD % {"days": OLDEST_DAYS}]
    try:
        validate_mobile(mobile)
    except ValidationError as error:
        errors["mobile"] = error.messages
    return errors


@transaction.atomic
def access_complaint_raise(
    *, token: str, community: Community, entrance: str, refused_at: datetime, text: str, mobile: str
) -> ServiceRequest:
    """Raise the holder's report as a request with the community's district; ValidationError (by field) when the
    pass is not valid today or a detail is missing or wrong, with nothing written."""
    now = timezone.now()
    entrance, text, mobile = " ".join(entrance.split())[:40], text.strip(), mobile.strip()
    return_pass = valid_pass_for_token(token)
    if return_pass is None:
        raise ValidationError(MSG_PASS_INVALID, code="pass_invalid")
    errors = _check(entrance=entrance, refused_at=refused_at, text=text, mobile=mobile, now=now)
    if errors:
        raise ValidationError(errors)
    request = ServiceRequest(
        enterprise=return_pass.enterprise,
        district_id=community.district_id,
        category=Category.ACCESS,
        urgency=Urgency.URGENT,
        title=str(TITLE % {"community": community.name, "entrance": entrance})[:100],
        text=text,
        channel=Channel.PASS_HOLDER,
        raised_by=None,
        # With the district of the community, not at any named official: every staff member there may take it.
        tier=1,
    )
    request.due_at = request_deadline(request, now)
    request.save()
    AccessComplaint.objects.create(
        request=request,
        pass_number=return_pass.number,
        community=community,
        entrance=entrance,
        refused_at=refused_at,
        mobile=mobile,
    )
    ServiceRequestEvent.objects.create(
        request=request,
        action="raise",
        actor=None,
        to_status=ServiceRequest.Status.SUBMITTED,
        to_tier=1,
        comment=str(Channel.PASS_HOLDER.label),
    )
    _notify_routed(request)
    return request
