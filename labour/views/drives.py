"""Recruitment drives and the "20+20" partner regions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from enterprises.models import Enterprise
from labour import exports, selectors
from labour.forms import DriveForm, ParticipantForm, ReasonForm, ResultForm
from labour.models import RecruitmentDrive
from labour.services import drives as services
from labour.views._common import MSG_FIX_FORM, ListSpec, error_text, list_and_export
from labour.views.supply import LIST_ROLES
from passes.selectors.risk_areas import division_search

MSG_SCHEDULED = _("招聘活动已安排。")
MSG_PARTICIPANT_ADDED = _("已添加参加企业, 已通知企业。")
MSG_RESULT_SAVED = _("招聘结果已保存。")
MSG_COMPLETED = _("活动已完成。")
MSG_CANCELLED = _("活动已取消。")


drive_list, drive_export = list_and_export(
    ListSpec(
        select=selectors.drive_list_visible_to,
        statuses=RecruitmentDrive.Status.choices,
        open_label=_("已安排"),
        template="labour/drive_list.html",
        columns=exports.DRIVE_COLUMNS,
        rows=exports.drive_rows,
        title=_("招聘活动"),
        heading=_("赴低风险地区招聘活动"),
        filename=_("招聘活动.xlsx"),
        roles=LIST_ROLES,
        context=lambda request: {"may_organise": services.may_organise(request.user)},
    )
)


@login_required
def region_options(request):
    """Suggestions for the region field, as <option>s of its datalist (htmx)."""
    return render(
        request, "passes/transport_origin_options.html", {"divisions": division_search(request.GET.get("region", ""))}
    )


@login_required
def drive_create(request):
    if not services.may_organise(request.user):
        raise PermissionDenied
    form = DriveForm(request.POST or None, agencies=selectors.hr_agencies_for_pairing(request.user))
    if request.method == "POST":
        if form.is_valid():
            try:
                drive = services.drive_schedule(scheduled_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, MSG_SCHEDULED)
                return redirect("labour:drive_detail", pk=drive.pk)
        messages.error(request, MSG_FIX_FORM)
    return render(request, "labour/drive_form.html", {"form": form})


def _participant_enterprises(user, drive):
    qs = Enterprise.objects.visible_to(user).filter(status=Enterprise.Status.ACTIVE)
    if drive.district_id is not None:
        qs = qs.filter(district_id=drive.district_id)
    return qs.exclude(pk__in=drive.participants.values("enterprise_id")).order_by("name", "id")


@login_required
def drive_detail(request, pk: int):
    drive = selectors.drive_get_for_user_or_404(request.user, pk)
    user = request.user
    relations = selectors.drive_detail_relations(user, drive)
    organiser = services.is_organiser(user, drive)
    scheduled = drive.status == RecruitmentDrive.Status.SCHEDULED
    result_forms = {}
    if drive.status != RecruitmentDrive.Status.CANCELLED:
        for participant in relations["participants"]:
            if services.may_record_result(user, participant):
                result_forms[participant.pk] = ResultForm(
                    prefix=f"p{participant.pk}",
                    workers=services.arrivable_workers(participant),
                    initial={
                        "signed": participant.signed,
                        "arrived": participant.arrived,
                        "workers": participant.linked_workers,
                    },
                )
    return render(
        request,
        "labour/drive_detail.html",
        {
            "drive": drive,
            **relations,
            "organiser": organiser,
            "participant_form": ParticipantForm(enterprises=_participant_enterprises(user, drive))
            if organiser and scheduled
            else None,
            "cancel_form": ReasonForm() if organiser and scheduled else None,
            "result_forms": result_forms,
        },
    )


@require_POST
@login_required
def drive_participant_add(request, pk: int):
    drive = selectors.drive_get_for_user_or_404(request.user, pk)
    form = ParticipantForm(request.POST, enterprises=_participant_enterprises(request.user, drive))
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("labour:drive_detail", pk=drive.pk)
    try:
        services.drive_participant_add(drive=drive, added_by=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, MSG_PARTICIPANT_ADDED)
    return redirect("labour:drive_detail", pk=drive.pk)


@require_POST
@login_required
def drive_result(request, pk: int, participant: int):
    drive = selectors.drive_get_for_user_or_404(request.user, pk)
    participant = selectors.drive_participant_get_or_404(drive, participant)
    if request.user.role == Role.ENTERPRISE and participant.enterprise_id != request.user.enterprise_id:
        raise PermissionDenied
    form = ResultForm(request.POST, prefix=f"p{participant.pk}", workers=services.arrivable_workers(participant))
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("labour:drive_detail", pk=drive.pk)
    try:
        services.drive_result_record(participant=participant, recorded_by=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, MSG_RESULT_SAVED)
    return redirect("labour:drive_detail", pk=drive.pk)


@require_POST
@login_required
def drive_complete(request, pk: int):
    drive = selectors.drive_get_for_user_or_404(request.user, pk)
    try:
        services.drive_complete(drive=drive, completed_by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, MSG_COMPLETED)
    return redirect("labour:drive_detail", pk=drive.pk)


@require_POST
@login_required
def drive_cancel(request, pk: int):
    drive = selectors.drive_get_for_user_or_404(request.user, pk)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(services.MSG_CANCEL_REASON)
        services.drive_cancel(drive=drive, cancelled_by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, MSG_CANCELLED)
    return redirect("labour:drive_detail", pk=drive.pk)


@login_required
def partner_region_list(request):
    return render(
        request,
        "labour/partner_regions.html",
        {
            "regions": list(selectors.partner_regions()),
            "demo_count": selectors.partner_region_demo_count(),
        },
    )
