"""Labour disputes: recorded or raised, moved along the mediation steps, exported with names masked."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import require_role
from enterprises.models import Enterprise
from labour import exports, selectors
from labour.forms import DisputeActionForm, DisputeForm
from labour.models import LabourDispute
from labour.services import disputes as services
from labour.views._common import MSG_FIX_FORM, ListSpec, error_text, list_and_export
from labour.views.supply import LIST_ROLES, _add_errors

MSG_RAISED = _("劳资纠纷已登记。")
MSG_MOVED = _("已%(action)s。")


dispute_list, dispute_export = list_and_export(
    ListSpec(
        select=selectors.dispute_list_visible_to,
        statuses=LabourDispute.Status.choices,
        template="labour/dispute_list.html",
        columns=exports.DISPUTE_COLUMNS,
        rows=exports.dispute_rows,
        title=_("劳资纠纷"),
        heading=_("劳资纠纷排查化解情况"),
        filename=_("劳资纠纷.xlsx"),
        roles=LIST_ROLES,
        context=lambda request: {"may_raise": request.user.role in (Role.ENTERPRISE, Role.DISTRICT_STAFF)},
    )
)


@login_required
def dispute_create(request):
    require_role(request.user, (Role.ENTERPRISE, Role.DISTRICT_STAFF))
    enterprises = Enterprise.objects.visible_to(request.user).filter(status=Enterprise.Status.ACTIVE).order_by("name")
    form = DisputeForm(request.POST or None, enterprises=enterprises)
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            enterprise = data.pop("enterprise")
            try:
                dispute = services.dispute_raise(enterprise=enterprise, data=data, raised_by=request.user)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, MSG_RAISED)
                return redirect("labour:dispute_detail", pk=dispute.pk)
        messages.error(request, MSG_FIX_FORM)
    return render(request, "labour/form.html", {"form": form, "title": _("登记劳资纠纷"), "back": "labour:disputes"})


@login_required
def dispute_detail(request, pk: int):
    dispute = selectors.dispute_get_for_user_or_404(request.user, pk)
    actions = services.available_actions(dispute, request.user)
    return render(
        request,
        "labour/dispute_detail.html",
        {
            "dispute": dispute,
            "names": exports.masked_names(dispute.worker_names),
            "events": list(dispute.events.select_related("actor")),
            "overdue": selectors.is_overdue(dispute),
            "forms": {
                action: (services.DISPUTE_ACTION_LABELS[action], DisputeActionForm(action=action, prefix=action))
                for action in actions
            },
        },
    )


@require_POST
@login_required
def dispute_act(request, pk: int, action: str):
    dispute = selectors.dispute_get_for_user_or_404(request.user, pk)
    if action not in services.DISPUTE_ACTIONS:
        raise Http404
    form = DisputeActionForm(request.POST, action=action, prefix=action)
    try:
        if not form.is_valid():
            raise ValidationError(services.MSG_OUTCOME_REQUIRED)
        services.DISPUTE_ACTIONS[action](dispute, request.user, form.cleaned_data["comment"])
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, MSG_MOVED % {"action": services.DISPUTE_ACTION_LABELS[action]})
    return redirect("labour:dispute_detail", pk=dispute.pk)
