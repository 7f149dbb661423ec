"""Point-to-point transport: the enterprise asks for a chartered trip, its district handles it."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import STAFF_ROLES, require_role
from core.downloads import xlsx_response
from core.forms import error_text
from core.replica import reads_from_replica
from passes.forms_transport import ACTION_FORMS, QueueFilterForm, TransportRequestForm
from passes.selectors import transport as selectors
from passes.selectors.risk_areas import division_search
from passes.services import exports
from passes.services import transport as services

PAGE_SIZE = 50
EXPORT_FILENAME = _("点对点包车-%(day)s.xlsx")

MSG_REQUESTED = _("包车申请已提交, 请等待属地确认。")
MSG_FIX_FORM = _("请按提示修改后再提交。")
MSG_CONFIRMED = _("已确认包车申请, 已通知企业。")
MSG_ARRANGED = _("车辆安排已保存, 已通知企业。")
MSG_DECLINED = _("已不予安排, 已通知企业。")
MSG_ARRIVED = _("已登记抵昆, 更新了 %(count)s 名员工的抵昆日期。")
MSG_CANCELLED = _("包车申请已撤回。")


@dataclass(frozen=True)
class Action:
    roles: tuple[str, ...]
    run: Callable  # (transport_request, user, cleaned_data) -> what the service returns
    done: Callable  # what the service returned -> the success message


ACTIONS: dict[str, Action] = {
    "confirm": Action(
        (Role.DISTRICT_STAFF,),
        lambda tr, user, data: services.transport_request_confirm(
            transport_request=tr, confirmed_by=user, comment=data["comment"]
        ),
        lambda _result: MSG_CONFIRMED,
    ),
    "arrange": Action(
        (Role.DISTRICT_STAFF,),
        lambda tr, user, data: services.transport_request_arrange(
            transport_request=tr, arranged_by=user, arrangement=data["arrangement"]
        ),
        lambda _result: MSG_ARRANGED,
    ),
    "decline": Action(
        (Role.DISTRICT_STAFF,),
        lambda tr, user, data: services.transport_request_decline(
            transport_request=tr, declined_by=user, reason=data["reason"]
        ),
        lambda _result: MSG_DECLINED,
    ),
    "arrive": Action(
        (Role.DISTRICT_STAFF,),
        lambda tr, user, data: services.transport_request_mark_arrived(
            transport_request=tr, marked_by=user, arrived_on=data["arrived_on"]
        ),
        lambda arrival: MSG_ARRIVED % {"count": arrival.workers_updated},
    ),
    "cancel": Action(
        (Role.ENTERPRISE,),
        lambda tr, user, data: services.transport_request_cancel(
            transport_request=tr, cancelled_by=user, reason=data["reason"]
        ),
        lambda _result: MSG_CANCELLED,
    ),
}


# --- Enterprise ------------------------------------------------------------------------------------


@login_required
def transport_list(request):
    require_role(request.user, (Role.ENTERPRISE,))
    requests = selectors.transport_request_list_for_enterprise(request.user)
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "passes/transport_list.html", {"page": page, "query": ""})


@login_required
def transport_new(request):
    require_role(request.user, (Role.ENTERPRISE,))
    enterprise = request.user.enterprise
    initial = {"contact_name": enterprise.contact_name, "contact_mobile": enterprise.contact_mobile}
    form = TransportRequestForm(request.POST or None, enterprise=enterprise, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                transport_request = services.transport_request_create(
                    enterprise=enterprise, requested_by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, MSG_REQUESTED)
                return redirect("passes:transport_detail", pk=transport_request.pk)
        messages.error(request, MSG_FIX_FORM)
    return render(request, "passes/transport_form.html", {"form": form})


@login_required
def transport_origins(request):
    """Suggestions for the origin field, as <option>s of its datalist (htmx)."""
    divisions = division_search(request.GET.get("origin", ""))
    return render(request, "passes/transport_origin_options.html", {"divisions": divisions})


# --- District staff (commanders read) ----------------------------------------------------------------


@login_required
def transport_queue(request):
    require_role(request.user, STAFF_ROLES)
    form = QueueFilterForm(request.GET or None)
    requests = selectors.transport_request_queue_visible_to(request.user, form.filters())
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "passes/transport_queue.html", {"form": form, "page": page, "query": query.urlencode()})


@login_required
@reads_from_replica
def transport_export(request):
    """The enterprise's own list, or the staff's queue with its filters, as a workbook."""
    require_role(request.user, (Role.ENTERPRISE, *STAFF_ROLES))
    if request.user.role == Role.ENTERPRISE:
        requests = selectors.transport_request_list_for_enterprise(request.user)
    else:
        filters = QueueFilterForm(request.GET or None).filters()
        requests = selectors.transport_request_queue_visible_to(request.user, filters)
    name = EXPORT_FILENAME % {"day": timezone.localdate().isoformat()}
    return xlsx_response(exports.transport_workbook(requests), str(name))


# --- Everyone in scope ---------------------------------------------------------------------------------


@login_required
def transport_detail(request, pk: int):
    transport_request = selectors.transport_request_get_for_user_or_404(request.user, pk)
    actions = services.available_actions(transport_request, request.user)
    return render(
        request,
        "passes/transport_detail.html",
        {
            "transport_request": transport_request,
            **selectors.transport_request_detail_relations(transport_request),
            "forms": {action: ACTION_FORMS[action](prefix=action) for action in actions},
        },
    )


@require_POST
@login_required
def transport_act(request, pk: int, action: str):
    transport_request = selectors.transport_request_get_for_user_or_404(request.user, pk)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    require_role(request.user, spec.roles)
    form = ACTION_FORMS[action](request.POST, prefix=action)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("passes:transport_detail", pk=transport_request.pk)
    try:
        result = spec.run(transport_request, request.user, form.cleaned_data)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, spec.done(result))
    return redirect("passes:transport_detail", pk=transport_request.pk)
