"""The daily health sheet (enterprise: grid and Excel) and the health incidents (district: to-do and closing)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role
from accounts.permissions import require_role
from core import excel, uploads
from core.downloads import xlsx_response
from core.forms import ExcelUploadForm, error_text
from passes.forms_health import HealthSheetForm, IncidentCloseForm, IncidentFilterForm
from passes.models import HealthImport, HealthIncident
from passes.selectors import health as selectors
from passes.services import health as services

OWNER_ROLES = (Role.ENTERPRISE,)
INCIDENT_READERS = (Role.ENTERPRISE, Role.DISTRICT_STAFF, Role.COMMANDER, Role.ADMIN)


@login_required
def health_sheet(request):
    """Today's readings of one page of the roster; the grid saves the rows filled in, all or none."""
    require_role(request.user, OWNER_ROLES)
    day = timezone.localdate()
    q = request.GET.get("q", "")
    sheet = selectors.health_sheet(request.user, day=day, page_number=request.GET.get("page"), q=q)
    workers = [row.worker for row in sheet.rows]
    form = HealthSheetForm(request.POST or None, workers=workers, day=day)
    if request.method == "POST" and form.is_valid():
        try:
            readings = services.health_readings_record(
                enterprise=request.user.enterprise, entries=form.entries, recorded_by=request.user, day=day
            )
        except ValidationError as error:
            form.add_error(None, error_text(error))
        else:
            abnormal = sum(r.abnormal for r in readings)
            messages.success(request, _("已登记 %(count)d 人。") % {"count": len(readings)})
            if abnormal:
                messages.warning(
                    request,
                    _("%(count)d 人健康异常: 其通行证已暂停使用, 已通知居住地属地核实处置。") % {"count": abnormal},
                )
            return redirect(request.get_full_path())
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "passes/health_sheet.html",
        {
            "sheet": sheet,
            "page": sheet.page,
            "form": form,
            "rows": [(row, form.row(row.worker)) for row in sheet.rows],
            "q": q,
            "query": query.urlencode(),
            "threshold": settings.FEVER_THRESHOLD,
        },
    )


@require_GET
@login_required
def health_template(request):
    require_role(request.user, OWNER_ROLES)
    day = timezone.localdate()
    content = services.health_template(enterprise=request.user.enterprise, day=day)
    return xlsx_response(content, _("健康登记-%(day)s.xlsx") % {"day": f"{day:%Y%m%d}"})


@login_required
def health_import(request):
    """Small files are imported while the user waits; larger ones go to a Celery job with a progress page."""
    require_role(request.user, OWNER_ROLES)
    form = ExcelUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "inline_max_rows": settings.ROSTER_IMPORT_INLINE_MAX_ROWS}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        enterprise = request.user.enterprise
        try:
            rows, inline = services.health_upload_inspect(upload)
            if not inline:
                job = services.health_import_queue(
                    enterprise=enterprise, upload=upload, rows_total=rows, uploaded_by=request.user
                )
                return redirect("passes:health_import_status", pk=job.pk)
            outcome = services.health_import(
                enterprise=enterprise, upload=upload, imported_by=request.user, keep_source=True
            )
        except excel.ExcelFileError as error:
            form.add_error("file", error.message)
        else:
            if outcome.ok:
                done = {"rows": outcome.rows, "count": outcome.recorded}
                messages.success(request, _("已导入 %(rows)d 行, 登记 %(count)d 人。") % done)
                return redirect("passes:health_sheet")
            context.update(
                excel.import_error_context(
                    user=request.user,
                    upload=upload,
                    columns=services.health_columns(timezone.localdate()),
                    result=outcome.result,
                    filename=_("健康登记导入-错误标注.xlsx"),
                )
            )
    return render(request, "passes/health_import.html", context)


@never_cache
@login_required
def health_import_status(request, pk: int):
    job = selectors.health_import_get_for_user_or_404(request.user, pk)
    require_role(request.user, OWNER_ROLES)
    rows_done = services.health_import_rows_done(job)
    done = job.status == HealthImport.Status.DONE
    context = {
        "job": job,
        "rows_done": rows_done,
        "percent": 100 if done else int(100 * rows_done / job.rows_total) if job.rows_total else 0,
        "running": job.status in (HealthImport.Status.QUEUED, HealthImport.Status.RUNNING),
    }
    partial = request.headers.get("HX-Request")
    template = "passes/health_import_progress.html" if partial else "passes/health_import_status.html"
    return render(request, template, context)


@login_required
def health_import_errors(request, pk: int):
    job = selectors.health_import_get_for_user_or_404(request.user, pk)
    require_role(request.user, OWNER_ROLES)
    if not job.error_file:
        raise Http404
    return uploads.file_response(
        job.error_file, kind=uploads.UploadKind.XLSX, download_name=_("健康登记导入-错误标注.xlsx")
    )


@login_required
def health_incidents(request):
    """The district's to-do (open incidents of workers living there first), the enterprise's own."""
    require_role(request.user, INCIDENT_READERS)
    form = IncidentFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    if not request.GET and request.user.role == Role.DISTRICT_STAFF:
        status = HealthIncident.Status.OPEN
        form = IncidentFilterForm(initial={"status": status})
    page = Paginator(selectors.health_incident_list_visible_to(request.user, status=status), 50).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "passes/health_incidents.html",
        {"page": page, "form": form, "query": query.urlencode(), "status": status},
    )


@login_required
def health_incident(request, pk: int):
    incident = selectors.health_incident_get_for_user_or_404(request.user, pk)
    require_role(request.user, INCIDENT_READERS)
    may_close = (
        incident.status == HealthIncident.Status.OPEN
        and request.user.role == Role.DISTRICT_STAFF
        and request.user.district_id == incident.home_district_id
    )
    return render(
        request,
        "passes/health_incident.html",
        {
            "incident": incident,
            "readings": selectors.health_incident_readings(incident),
            "form": IncidentCloseForm() if may_close else None,
        },
    )


@require_POST
@login_required
def health_incident_close(request, pk: int):
    incident = selectors.health_incident_get_for_user_or_404(request.user, pk)
    require_role(request.user, (Role.DISTRICT_STAFF,))
    form = IncidentCloseForm(request.POST)
    if form.is_valid():
        try:
            services.health_incident_close(
                incident=incident,
                closed_by=request.user,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("健康异常事件已办结, 通行证如无其他暂停原因已恢复使用。"))
    else:
        messages.error(request, _("请选择处置结果。"))
    return redirect("passes:health_incident", pk=incident.pk)
