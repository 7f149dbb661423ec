"""The roster: the enterprise keeps its workers (form, Excel import and export); the staff of its
district read it, and may see a full ID number after giving a reason."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
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
from passes.eligibility import work_eligibility
from passes.forms_roster import ReasonForm, RosterFilterForm, WorkerForm, WorkerLeaveForm
from passes.models import RosterImport
from passes.selectors import risk_areas as division_selectors
from passes.selectors import roster as selectors
from passes.services import roster as services

READER_ROLES = (Role.ENTERPRISE, Role.DISTRICT_STAFF)
OWNER_ROLES = (Role.ENTERPRISE,)


@login_required
def roster_list(request):
    require_role(request.user, READER_ROLES)
    form = RosterFilterForm(request.GET or None)
    roster = selectors.roster_page(request.user, form.filters(), request.GET.get("page"), on=timezone.localdate())
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "passes/roster_list.html",
        {
            "form": form,
            "roster": roster,
            "page": roster.page,
            "query": query.urlencode(),
            "is_owner": request.user.role == Role.ENTERPRISE,
            "today": timezone.localdate(),
            "imports": selectors.roster_imports_recent(request.user) if request.user.role == Role.ENTERPRISE else [],
        },
    )


def _save_worker(request, form: WorkerForm, save) -> bool:
    """Run the service; a refusal (a duplicate ID number) goes back onto the form."""
    if not form.is_valid():
        return False
    try:
        save()
    except ValidationError as error:
        form.add_error(None, error)
        return False
    return True


@login_required
def worker_create(request):
    require_role(request.user, OWNER_ROLES)
    form = WorkerForm(request.POST or None)
    if request.method == "POST" and _save_worker(
        request,
        form,
        lambda: services.worker_create(
            enterprise=request.user.enterprise,
            id_number=form.cleaned_data["id_number"],
            data=form.worker_data(),
            created_by=request.user,
        ),
    ):
        messages.success(request, _("已登记员工 %(name)s。") % {"name": form.cleaned_data["name"]})
        return redirect("passes:roster")
    return render(request, "passes/worker_form.html", {"form": form})


@login_required
def worker_detail(request, pk: int):
    worker = selectors.worker_get_for_user_or_404(request.user, pk)
    require_role(request.user, READER_ROLES)
    today = timezone.localdate()
    return render(
        request,
        "passes/worker_detail.html",
        {
            "worker": worker,
            "eligibility": work_eligibility(worker, on=today),
            "today": today,
            "is_owner": request.user.role == Role.ENTERPRISE,
            "may_disclose": request.user.role == Role.DISTRICT_STAFF and worker.anonymised_at is None,
            "leave_form": WorkerLeaveForm(initial={"left_on": worker.left_on}),
        },
    )


@require_POST
@login_required
def worker_leave(request, pk: int):
    worker = selectors.worker_get_for_user_or_404(request.user, pk)
    require_role(request.user, OWNER_ROLES)
    form = WorkerLeaveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("passes:roster_detail", pk=worker.pk)
    try:
        services.worker_leave(worker=worker, left_on=form.cleaned_data["left_on"], marked_by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("已保存 %(name)s 的离职信息。") % {"name": worker.name})
    return redirect("passes:roster_detail", pk=worker.pk)


@login_required
def worker_edit(request, pk: int):
    worker = selectors.worker_get_for_user_or_404(request.user, pk)
    require_role(request.user, OWNER_ROLES)
    form = WorkerForm(request.POST or None, instance=worker)
    if request.method == "POST" and _save_worker(
        request,
        form,
        lambda: services.worker_update(
            worker=worker, data=form.worker_data(), id_number=form.cleaned_data["id_number"], updated_by=request.user
        ),
    ):
        messages.success(request, _("已保存 %(name)s 的信息。") % {"name": worker.name})
        return redirect("passes:roster_detail", pk=worker.pk)
    return render(request, "passes/worker_form.html", {"form": form, "worker": worker})


@never_cache
@login_required
def worker_id_number(request, pk: int):
    """District staff see one full ID number after giving a reason; each view is recorded."""
    worker = selectors.worker_get_for_user_or_404(request.user, pk)
    require_role(request.user, (Role.DISTRICT_STAFF,))
    form = ReasonForm(request.POST or None)
    number = None
    if request.method == "POST" and form.is_valid():
        number = services.worker_id_number_disclose(
            worker=worker, user=request.user, reason=form.cleaned_data["reason"]
        )
    return render(request, "passes/worker_id_number.html", {"worker": worker, "form": form, "number": number})


@require_GET
@login_required
def roster_origins(request):
    """The origin list of the worker form, filled from the search box (htmx)."""
    require_role(request.user, READER_ROLES)
    divisions = division_selectors.division_search(request.GET.get("origin_search", ""))
    return render(request, "passes/roster_origin_options.html", {"divisions": divisions})


@require_GET
@login_required
def roster_communities(request):
    """The community list of the worker form, refilled when the district changes (htmx)."""
    require_role(request.user, READER_ROLES)
    district = request.GET.get("residence_district", "").strip()
    communities = selectors.residence_communities(district) if district.isdigit() else []
    return render(request, "passes/roster_community_options.html", {"communities": communities})


# --- Excel -----------------------------------------------------------------------------------------


@login_required
def roster_template(request):
    require_role(request.user, OWNER_ROLES)
    return xlsx_response(services.roster_template(), _("员工花名册导入模板.xlsx"))


@login_required
def roster_import(request):
    """Small files are imported while the user waits; larger ones go to a Celery job with a progress page."""
    require_role(request.user, OWNER_ROLES)
    form = ExcelUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "inline_max_rows": settings.ROSTER_IMPORT_INLINE_MAX_ROWS}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        enterprise = request.user.enterprise
        try:
            rows, inline = services.roster_upload_inspect(upload)
            if not inline:
                job = services.roster_import_queue(
                    enterprise=enterprise, upload=upload, rows_total=rows, uploaded_by=request.user
                )
                return redirect("passes:roster_import_status", pk=job.pk)
            outcome = services.roster_import(
                enterprise=enterprise, upload=upload, imported_by=request.user, keep_source=True
            )
        except excel.ExcelFileError as error:
            form.add_error("file", error.message)
        else:
            if outcome.ok:
                messages.success(
                    request,
                    _("已导入 %(rows)d 行: 新增 %(created)d 人, 更新 %(updated)d 人, 无变化 %(unchanged)d 人。")
                    % {
                        "rows": outcome.rows,
                        "created": outcome.created,
                        "updated": outcome.updated,
                        "unchanged": outcome.unchanged,
                    },
                )
                return redirect("passes:roster")
            context.update(
                excel.import_error_context(
                    user=request.user,
                    upload=upload,
                    columns=services.roster_columns(),
                    result=outcome.result,
                    filename=_("花名册导入-错误标注.xlsx"),
                )
            )
    return render(request, "passes/roster_import.html", context)


@never_cache
@login_required
def roster_import_status(request, pk: int):
    """The progress of a background import; htmx polls the progress part every second while it runs."""
    job = selectors.roster_import_get_for_user_or_404(request.user, pk)
    require_role(request.user, OWNER_ROLES)
    rows_done = services.roster_import_rows_done(job)
    context = {
        "job": job,
        "rows_done": rows_done,
        "percent": 100
        if job.status == RosterImport.Status.DONE
        else int(100 * rows_done / job.rows_total)
        if job.rows_total
        else 0,
        "running": job.status in (RosterImport.Status.QUEUED, RosterImport.Status.RUNNING),
        "unchanged": max(job.rows_done - job.created_count - job.updated_count, 0),
    }
    template = (
        "passes/roster_import_progress.html"
        if request.headers.get("HX-Request")
        else "passes/roster_import_status.html"
    )
    return render(request, template, context)


@login_required
def roster_import_errors(request, pk: int):
    job = selectors.roster_import_get_for_user_or_404(request.user, pk)
    require_role(request.user, OWNER_ROLES)
    if not job.error_file:
        raise Http404
    return uploads.file_response(
        job.error_file, kind=uploads.UploadKind.XLSX, download_name=_("花名册导入-错误标注.xlsx")
    )


@never_cache
@login_required
def roster_export(request):
    """The whole roster with full ID numbers, for correcting and importing back; a reason is required."""
    require_role(request.user, OWNER_ROLES)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        content, _count = services.roster_export(
            enterprise=request.user.enterprise, exported_by=request.user, reason=form.cleaned_data["reason"]
        )
        name = _("员工花名册-%(day)s.xlsx") % {"day": timezone.localdate().isoformat()}
        return xlsx_response(content, name)
    return render(request, "passes/roster_export.html", {"form": form})
