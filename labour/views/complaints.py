"""Complaints about the HR market: signed-in users and the public (rate-limited) report; the bureau handles."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit
from ipware import get_client_ip

from labour import exports, selectors
from labour.forms import ComplaintCloseForm, ComplaintForm
from labour.models import MarketComplaint, is_hr_bureau
from labour.services import complaints as services
from labour.views._common import MSG_FIX_FORM, ListSpec, error_text, list_and_export
from labour.views.supply import _add_errors

MSG_SUBMITTED = _("投诉已提交, 编号 %(reference)s, 人社局将在 %(deadline)s 前办理。")
MSG_TOO_MANY = _("提交过于频繁, 请稍后再试。")
MSG_ACCEPTED = _("已受理。")
MSG_CLOSED = _("已办结, 已告知投诉人。")


def client_ip(_group, request) -> str:
    """The client's address as the login lockout reads it: behind TRUSTED_PROXY_COUNT proxies, counted from
    the right of X-Forwarded-For, so an address the client wrote into the header is never the one taken."""
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        ip, _routable = get_client_ip(
            request,
            proxy_order="right-most",
            proxy_count=count - 1,
            request_header_order=("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"),
            strict=False,
        )
    else:
        ip, _routable = get_client_ip(request, request_header_order=("REMOTE_ADDR",))
    return ip or "unknown"


def public_rate(_group, _request) -> str:
    return settings.LABOUR_PUBLIC_COMPLAINT_RATE


complaint_list, complaint_export = list_and_export(
    ListSpec(
        select=selectors.complaint_list_visible_to,
        statuses=MarketComplaint.Status.choices,
        template="labour/complaint_list.html",
        columns=exports.COMPLAINT_COLUMNS,
        rows=exports.complaint_rows,
        title=_("投诉"),
        heading=_("人力资源市场投诉"),
        filename=_("人力资源市场投诉.xlsx"),
        context=lambda request: {"now": timezone.now()},
    )
)


def _submit(request, form, reported_by):
    try:
        complaint = services.complaint_submit(data=form.cleaned_data, reported_by=reported_by)
    except ValidationError as error:
        _add_errors(form, error)
        return None
    messages.success(
        request,
        MSG_SUBMITTED
        % {
            "reference": complaint.reference,
            "deadline": timezone.localtime(complaint.deadline).strftime("%Y-%m-%d %H:%M"),
        },
    )
    return complaint


@login_required
def complaint_create(request):
    form = ComplaintForm(
        request.POST or None,
        agencies=selectors.hr_agencies_active(),
        initial={"complainant_name": request.user.display_name, "complainant_mobile": request.user.mobile},
    )
    if request.method == "POST":
        if form.is_valid():
            complaint = _submit(request, form, request.user)
            if complaint:
                return redirect("labour:complaint_detail", pk=complaint.pk)
        messages.error(request, MSG_FIX_FORM)
    return render(request, "labour/complaint_form.html", {"form": form, "public": False})


@ratelimit(group="labour-public-complaint", key=client_ip, rate=public_rate, method="POST", block=False)
def complaint_public(request):
    """The public form: no account needed, a few submissions per address per hour."""
    form = ComplaintForm(request.POST or None)
    if request.method == "POST":
        if getattr(request, "limited", False):
            messages.error(request, MSG_TOO_MANY)
            return render(request, "labour/complaint_form.html", {"form": form, "public": True}, status=429)
        if form.is_valid():
            complaint = _submit(request, form, None)
            if complaint:
                return render(request, "labour/complaint_public_done.html", {"complaint": complaint})
        messages.error(request, MSG_FIX_FORM)
    return render(request, "labour/complaint_form.html", {"form": form, "public": True})


@login_required
def complaint_detail(request, pk: int):
    complaint = selectors.complaint_get_for_user_or_404(request.user, pk)
    bureau = is_hr_bureau(request.user)
    return render(
        request,
        "labour/complaint_detail.html",
        {
            "complaint": complaint,
            "events": list(complaint.events.select_related("actor")),
            "may_accept": bureau and complaint.status == MarketComplaint.Status.RECEIVED,
            "close_form": ComplaintCloseForm()
            if bureau and complaint.status != MarketComplaint.Status.CLOSED
            else None,
            "overdue": selectors.is_overdue(complaint),
        },
    )


@require_POST
@login_required
def complaint_accept(request, pk: int):
    complaint = selectors.complaint_get_for_user_or_404(request.user, pk)
    try:
        services.complaint_accept(complaint=complaint, accepted_by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, MSG_ACCEPTED)
    return redirect("labour:complaint_detail", pk=complaint.pk)


@require_POST
@login_required
def complaint_close(request, pk: int):
    complaint = selectors.complaint_get_for_user_or_404(request.user, pk)
    form = ComplaintCloseForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(services.MSG_OUTCOME_REQUIRED)
        services.complaint_close(complaint=complaint, closed_by=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, MSG_CLOSED)
    return redirect("labour:complaint_detail", pk=complaint.pk)
