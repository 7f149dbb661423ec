"""The worker's own pass link (no account) and the enterprise's resend.

The link is public like the QR link: rate limited per client address (core.ratelimit), never cached, and
every opening is logged to the personal-data trail by the service. A link that no longer works (resent,
the pass revoked or reissued) or never existed answers with a plain page that says so, never an error.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role
from accounts.permissions import require_role
from core.forms import error_text
from core.ratelimit import limit_per_address
from passes.selectors import return_passes as selectors
from passes.services import pass_links as services
from passes.views.return_passes import card_context

MSG_LINK_SENT = _("已向员工手机 %(mobile)s 重新发送通行证链接, 原链接已失效。")


def _link_rate(request) -> str:
    return settings.PASS_LINK_RATE_LIMIT


@require_GET
@never_cache
@limit_per_address(method="GET", rate=_link_rate)
def own_pass(request, token: str):
    """The worker's pass on their phone: the same card and QR as the printed one, in its current state."""
    opening = services.pass_link_open(token=token)
    if opening.return_pass is None:
        status = 410 if opening.refused == services.REFUSED_RETIRED else 404
        return render(request, "passes/pass_own_refused.html", {"refused": opening.refused}, status=status)
    context = card_context(request, opening.return_pass)
    context["own_link"] = True
    response = render(request, "passes/pass_phone.html", context)
    response["Referrer-Policy"] = "no-referrer"  # the token is in the address
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_POST
@login_required
def pass_link_resend(request, pk: int):
    return_pass = selectors.pass_get_for_user_or_404(request.user, pk)
    require_role(request.user, (Role.ENTERPRISE,))
    try:
        link = services.pass_link_resend(return_pass=return_pass, sent_by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, MSG_LINK_SENT % {"mobile": link.sms.masked_mobile})
    return redirect("passes:detail", pk=return_pass.pk)
