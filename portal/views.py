from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from accounts.permissions import require_role
from core import excel
from core.downloads import xlsx_response
from portal import audit, selectors
from portal.forms import AuditFilterForm
from portal.health import DOWN, readiness


@login_required
def home(request):
    """Each role lands on a page that says what to do today."""
    context = selectors.landing_context(request.user)
    return render(request, f"portal/home_{request.user.role}.html", context)


@never_cache
def live(request):
    """Liveness: the process answers. Nothing else is touched, so a slow database never restarts a worker."""
    return JsonResponse({"status": "ok"})


@never_cache
def ready(request):
    """Readiness: 503 only when the database is unreachable; Redis or beat trouble is "degraded" (200)."""
    status = readiness()
    return JsonResponse(status, status=503 if status["status"] == DOWN else 200)


@login_required
def audit_log(request):
    """Who changed what and when, and who saw full ID numbers and why; district staff their district's."""
    require_role(request.user, audit.AUDITOR_ROLES)
    form = AuditFilterForm(request.GET or None)
    filters = form.filters()
    kind_label = dict(form.fields["kind"].choices)[filters.kind]
    if request.GET.get("export") == "xlsx":
        header, rows = audit.export_rows(request.user, filters)
        columns = [excel.Column(f"c{i}", label) for i, label in enumerate(header)]
        sheet = excel.Sheet(title="审计记录", columns=columns, rows=rows, heading=f"审计记录 · {kind_label}")
        return xlsx_response(excel.write_workbook([sheet]), f"审计记录-{filters.kind}.xlsx")
    page = Paginator(audit.audit_rows(request.user, filters), audit.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/audit.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "rows": audit.with_changes(filters.kind, list(page)),
            "change_types": audit.CHANGE_TYPES,
            "query": query.urlencode(),
            "kind_label": kind_label,
        },
    )
