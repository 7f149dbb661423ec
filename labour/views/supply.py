"""Shortages and hires, the HR agency registry, pairings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import STAFF_ROLES, require_role
from labour import exports, selectors
from labour.forms import AgencyForm, CloseForm, HireForm, NeedForm, PairingForm
from labour.models import LabourNeed, Pairing, is_hr_bureau
from labour.services import supply as services
from labour.views._common import MSG_FIX_FORM, ListSpec, error_text, list_and_export

MSG_NEED_SAVED = _("招聘岗位已保存。")
MSG_HIRED = _("已登记到岗 %(count)s 人。")
MSG_CLOSED = _("岗位已关闭。")
MSG_REOPENED = _("岗位已重新开放。")
MSG_AGENCY_SAVED = _("机构信息已保存。")
MSG_PAIRED = _("已结对, 已通知企业。")
MSG_PAIRING_ENDED = _("结对已结束。")
MSG_PICK_NEED = _("请在招聘中的岗位上点击“结对人力资源机构”。")

LIST_ROLES = (Role.ENTERPRISE, *STAFF_ROLES)
AGENCY_ROLES = (Role.DISTRICT_STAFF, Role.AUTHORITY_STAFF, Role.COMMANDER, Role.ADMIN)


# --- Shortages ----------------------------------------------------------------------------------------


need_list, need_export = list_and_export(
    ListSpec(
        select=selectors.labour_need_list_visible_to,
        statuses=LabourNeed.Status.choices,
        open_label=_("招聘中"),
        template="labour/need_list.html",
        columns=exports.NEED_COLUMNS,
        rows=exports.need_rows,
        title=_("用工缺口"),
        heading=_("企业用工缺口(招聘岗位)"),
        filename=_("用工缺口.xlsx"),
        roles=LIST_ROLES,
    )
)


@login_required
def need_create(request):
    require_role(request.user, (Role.ENTERPRISE,))
    form = NeedForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                need = services.labour_need_create(
                    enterprise=request.user.enterprise, data=form.cleaned_data, created_by=request.user
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, MSG_NEED_SAVED)
                return redirect("labour:need_detail", pk=need.pk)
        messages.error(request, MSG_FIX_FORM)
    return render(request, "labour/form.html", {"form": form, "title": _("登记招聘岗位"), "back": "labour:needs"})


@login_required
def need_edit(request, pk: int):
    need = selectors.labour_need_get_for_user_or_404(request.user, pk)
    require_role(request.user, (Role.ENTERPRISE,))
    form = NeedForm(request.POST or None, instance=need)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.labour_need_update(need=need, data=form.cleaned_data, updated_by=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, MSG_NEED_SAVED)
                return redirect("labour:need_detail", pk=need.pk)
        messages.error(request, MSG_FIX_FORM)
    return render(request, "labour/form.html", {"form": form, "title": _("修改招聘岗位"), "back": "labour:needs"})


def _hire_form(need, data=None):
    drives = selectors.drives_for_enterprise(need.enterprise_id)
    return HireForm(data, pairings=selectors.pairings_for_need(need), drives_=drives)


@login_required
def need_detail(request, pk: int):
    need = selectors.labour_need_get_for_user_or_404(request.user, pk)
    user = request.user
    return render(
        request,
        "labour/need_detail.html",
        {
            "need": need,
            **selectors.labour_need_detail_relations(need),
            "hire_form": _hire_form(need)
            if need.status == LabourNeed.Status.OPEN and services.may_record_hires(user, need)
            else None,
            "close_form": CloseForm()
            if user.role == Role.ENTERPRISE and need.status == LabourNeed.Status.OPEN
            else None,
            "may_pair": services.may_pair(user, need.enterprise) and need.status == LabourNeed.Status.OPEN,
        },
    )


@require_POST
@login_required
def need_hire(request, pk: int):
    need = selectors.labour_need_get_for_user_or_404(request.user, pk)
    form = _hire_form(need, request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("labour:need_detail", pk=need.pk)
    try:
        hire = services.labour_hire_record(need=need, recorded_by=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, MSG_HIRED % {"count": hire.count})
    return redirect("labour:need_detail", pk=need.pk)


@require_POST
@login_required
def need_close(request, pk: int):
    need = selectors.labour_need_get_for_user_or_404(request.user, pk)
    form = CloseForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(services.MSG_CLOSE_REASON_REQUIRED)
        services.labour_need_close(need=need, closed_by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, MSG_CLOSED)
    return redirect("labour:need_detail", pk=need.pk)


@require_POST
@login_required
def need_reopen(request, pk: int):
    need = selectors.labour_need_get_for_user_or_404(request.user, pk)
    try:
        services.labour_need_reopen(need=need, reopened_by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, MSG_REOPENED)
    return redirect("labour:need_detail", pk=need.pk)


# --- Agencies --------------------------------------------------------------------------------------


agency_list, agency_export = list_and_export(
    ListSpec(
        select=selectors.hr_agency_list_visible_to,
        statuses=[],
        template="labour/agency_list.html",
        columns=exports.AGENCY_COLUMNS,
        rows=exports.agency_rows,
        title=_("人力资源机构"),
        heading=_("人力资源机构名录"),
        filename=_("人力资源机构.xlsx"),
        roles=AGENCY_ROLES,
        context=lambda request: {"may_register": services.may_register_agencies(request.user)},
    )
)


@login_required
def agency_create(request):
    if not services.may_register_agencies(request.user):
        raise PermissionDenied
    form = AgencyForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                agency = services.hr_agency_create(
                    data=form.cleaned_data, regions=form.cleaned_data["region_codes"], created_by=request.user
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, MSG_AGENCY_SAVED)
                return redirect("labour:agency_detail", pk=agency.pk)
        messages.error(request, MSG_FIX_FORM)
    return render(
        request, "labour/form.html", {"form": form, "title": _("登记人力资源机构"), "back": "labour:agencies"}
    )


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def agency_detail(request, pk: int):
    agency = selectors.hr_agency_get_for_user_or_404(request.user, pk)
    return render(
        request,
        "labour/agency_detail.html",
        {
            "agency": agency,
            **selectors.hr_agency_detail_relations(request.user, agency),
            "may_edit": services.may_edit_agency(request.user, agency),
        },
    )


@login_required
def agency_edit(request, pk: int):
    agency = selectors.hr_agency_get_for_user_or_404(request.user, pk)
    if not services.may_edit_agency(request.user, agency):
        raise PermissionDenied
    form = AgencyForm(request.POST or None, instance=agency)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.hr_agency_update(
                    agency=agency,
                    data=form.cleaned_data,
                    regions=form.cleaned_data["region_codes"],
                    updated_by=request.user,
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, MSG_AGENCY_SAVED)
                return redirect("labour:agency_detail", pk=agency.pk)
        messages.error(request, MSG_FIX_FORM)
    return render(
        request, "labour/form.html", {"form": form, "title": _("修改人力资源机构"), "back": "labour:agencies"}
    )


# --- Pairings -------------------------------------------------------------------------------------


pairing_list, pairing_export = list_and_export(
    ListSpec(
        select=selectors.pairing_list_visible_to,
        statuses=Pairing.Status.choices,
        open_label=_("结对中"),
        template="labour/pairing_list.html",
        columns=exports.PAIRING_COLUMNS,
        rows=exports.pairing_rows,
        title=_("结对"),
        heading=_("人力资源机构与企业结对情况"),
        filename=_("结对.xlsx"),
        roles=LIST_ROLES,
    )
)


@login_required
def pairing_create(request):
    """Pairing starts from an enterprise's open position (?need=) or from the enterprise (?enterprise=): the
    form then offers that enterprise's open positions only, however many the district has."""
    require_role(request.user, (Role.DISTRICT_STAFF,))
    user = request.user
    enterprise, need = selectors.pairing_start_for(
        user, need=request.GET.get("need", ""), enterprise=request.GET.get("enterprise", "")
    )
    if enterprise is None:
        messages.info(request, MSG_PICK_NEED)
        return redirect(f"{reverse('labour:needs')}?status=open")
    form = PairingForm(
        request.POST or None,
        initial={"needs": [need.pk] if need else []},
        agencies=selectors.hr_agencies_for_pairing(user),
        needs=selectors.open_needs_of(enterprise),
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                pairing = services.pairing_create(created_by=user, enterprise=enterprise, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, MSG_PAIRED)
                return redirect("labour:pairing_detail", pk=pairing.pk)
        messages.error(request, MSG_FIX_FORM)
    return render(
        request,
        "labour/form.html",
        {"form": form, "back": "labour:pairings", "title": _("结对人力资源机构: %(name)s") % {"name": enterprise.name}},
    )


@login_required
def pairing_detail(request, pk: int):
    pairing = selectors.pairing_get_for_user_or_404(request.user, pk)
    return render(
        request,
        "labour/pairing_detail.html",
        {
            "pairing": pairing,
            **selectors.pairing_detail_relations(pairing),
            "may_end": services.may_pair(request.user, pairing.enterprise) and pairing.status == Pairing.Status.ACTIVE,
            "agency_visible": is_hr_bureau(request.user) or request.user.role in AGENCY_ROLES,
        },
    )


@require_POST
@login_required
def pairing_end(request, pk: int):
    pairing = selectors.pairing_get_for_user_or_404(request.user, pk)
    try:
        services.pairing_end(pairing=pairing, ended_by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, MSG_PAIRING_ENDED)
    return redirect("labour:pairing_detail", pk=pairing.pk)
