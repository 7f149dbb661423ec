"""The worker's own pass link: a long random link sent by text message when a pass is issued or reissued,
which opens the pass page (the same card and QR as the printed one, and its current status) without an
account.

Only a SHA-256 digest of the token is stored (the token has 256 random bits, so a plain digest cannot be
reversed by guessing); the text message row keeps the link hidden (accounts.sms `secret=`). A pass has at most
one live link: sending again retires the previous one, and revoking or reissuing the pass retires it.
Every opening goes to the personal-data log: whose pass, which link, never the token.
"""

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.sms import sms_send
from core.dates import day_bounds
from core.logging import personal_data_log
from passes.models import PassLink, ReturnPass
from passes.personal_data import mask_name

S = ReturnPass.Status
TOKEN_BYTES = 32
# A link is sent, and works, while the pass can still be shown: a suspended pass shows that it is suspended.
LINKABLE_STATUSES = (S.VALID, S.SUSPENDED)
SMS_TEMPLATE = "pass_link"

MSG_NOT_OWNER = _("只有通行证所属企业可以重发员工链接。")
MSG_NOT_LINKABLE = _("通行证 %(number)s 当前状态“%(status)s”, 不能发送员工链接。")
MSG_RESEND_LIMIT = _("通行证 %(number)s 的员工链接今天已重发 %(count)d 次, 请明天再试。")

# Why an opened link shows no pass (the page says it plainly; none of these is an error page).
REFUSED_UNKNOWN = "unknown"
REFUSED_RETIRED = "retired"  # a newer link was sent, or the pass was revoked or reissued


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def pass_link_url(token: str) -> str:
    return settings.PORTAL_URL + reverse("passes:own", args=[token])


def _retire(pass_ids: list[int]) -> int:
    return PassLink.objects.filter(return_pass_id__in=pass_ids, retired_at__isnull=True).update(
        retired_at=timezone.now()
    )


def _send(return_pass: ReturnPass, sent_by: User | None) -> PassLink:
    """A new link for a locked pass, retiring the live one, texted to the worker's mobile."""
    _retire([return_pass.pk])
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = PassLink.objects.create(return_pass=return_pass, token_digest=token_digest(token), sent_by=sent_by)
    link.sms = sms_send(
        mobile=return_pass.worker.mobile,
        template=SMS_TEMPLATE,
        params={"name": mask_name(return_pass.worker.name)},
        secret={"url": pass_link_url(token)},
    )
    link.save(update_fields=["sms"])
    return link


@transaction.atomic
def pass_links_send_issued(*, pass_ids: list[int]) -> int:
    """After issuing (or reissuing): a link for each of these passes still valid and without a live link.
    Idempotent: a redelivered task finds the links it made."""
    passes = list(
        ReturnPass.objects.filter(pk__in=pass_ids, status__in=LINKABLE_STATUSES, reissued_as__isnull=True)
        .exclude(pk__in=PassLink.objects.filter(retired_at__isnull=True).values("return_pass_id"))
        .select_related("worker")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    for return_pass in passes:
        _send(return_pass, None)
    return len(passes)


@transaction.atomic
def pass_link_resend(*, return_pass: ReturnPass, sent_by: User) -> PassLink:
    """The enterprise sends the worker a new link (the old one stops working), a few times a day at most."""
    locked = ReturnPass.objects.select_related("worker").select_for_update(of=("self",)).get(pk=return_pass.pk)
    if not (sent_by.role == Role.ENTERPRISE and sent_by.enterprise_id == locked.enterprise_id):
        raise PermissionDenied(MSG_NOT_OWNER)
    if locked.status not in LINKABLE_STATUSES or hasattr(locked, "reissued_as"):
        raise ValidationError(
            MSG_NOT_LINKABLE % {"number": locked.number, "status": locked.get_status_display()}, code="not_linkable"
        )
    start, end = day_bounds(timezone.localdate())
    resent_today = PassLink.objects.filter(
        return_pass=locked, sent_by__isnull=False, created_at__gte=start, created_at__lt=end
    ).count()
    if resent_today >= settings.PASS_LINK_RESENDS_PER_DAY:
        raise ValidationError(MSG_RESEND_LIMIT % {"number": locked.number, "count": resent_today}, code="resend_limit")
    return _send(locked, sent_by)


def pass_links_retire(*, pass_ids: list[int]) -> int:
    """The pass was revoked or reissued: its link stops working."""
    return _retire(pass_ids)


@dataclass(frozen=True)
class PassLinkOpening:
    return_pass: ReturnPass | None
    refused: str = ""


def pass_link_open(*, token: str) -> PassLinkOpening:
    """The pass a link opens, counted and logged; or why it opens none."""
    link = (
        PassLink.objects.filter(token_digest=token_digest(token))
        .select_related(
            "return_pass__worker",
            "return_pass__enterprise",
            "return_pass__issuing_district",
            "return_pass__residence_district",
            "return_pass__residence_community",
            "return_pass__reissued_as",
        )
        .first()
    )
    if link is None:
        return PassLinkOpening(None, REFUSED_UNKNOWN)
    return_pass = link.return_pass
    retired = link.retired_at is not None or return_pass.status == S.REVOKED or hasattr(return_pass, "reissued_as")
    if retired:
        personal_data_log.info(
            "pass link refused link=%s pass=%s enterprise=%s reason=retired",
            link.pk,
            return_pass.pk,
            return_pass.enterprise_id,
        )
        return PassLinkOpening(None, REFUSED_RETIRED)
    PassLink.objects.filter(pk=link.pk).update(opened_count=F("opened_count") + 1, last_opened_at=timezone.now())
    personal_data_log.info(
        "pass link opened link=%s pass=%s worker=%s enterprise=%s status=%s",
        link.pk,
        return_pass.pk,
        return_pass.worker_id,
        return_pass.enterprise_id,
        return_pass.status,
    )
    return PassLinkOpening(return_pass)
