"""The dashboards: the city's (commanders), a district's (its staff), an industry authority's.

Each page has a big-screen mode and JSON endpoints for its charts, all scoped like the page: a
district or authority outside the user's scope is 404, a role without a dashboard 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import STAFF_ROLES, require_role
from core import excel
from core.downloads import xlsx_response
from core.replica import reads_from_replica
from dashboard import selectors
from dashboard.charts import chart_data
from dashboard.drilldown import DRILLS, drilldown_rows, drilldown_visible_to
from dashboard.forms import DrillDownForm
from enterprises import services as enterprise_services

PAGE_SIZE = 50

MSG_EXPORT_BAD_FILTER = _("筛选条件有误, 请修改后再导出。")
LIST_TITLE = _("企业清单")
EXPORTED_AT = _("导出时间: %(now)s")
EXPORT_FILENAME = _("企业清单-%(title)s.xlsx")


def _page(request, scope: selectors.Scope, template: str, extra: dict | None = None):
    context = selectors.dashboard_context(scope, timezone.localdate())
    return render(request, template, context | (extra or {}))


def _data(scope: selectors.Scope, chart: str) -> JsonResponse:
    data = chart_data(scope, chart, timezone.localdate())
    if data is None:
        raise Http404
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@login_required
def home(request):
    return redirect(selectors.dashboard_url_for(request.user))


@login_required
@reads_from_replica
def city(request):
    return _page(
        request,
        selectors.city_scope_for(request.user),
        "dashboard/city.html",
        {
            "request_figures": selectors.request_figures_cached(None),
            "flow": selectors.flow_cached(None, timezone.localdate()),
        },
    )


@login_required
@reads_from_replica
def city_screen(request):
    return _page(request, selectors.city_scope_for(request.user), "dashboard/screen.html")


@login_required
@reads_from_replica
def city_data(request, chart: str):
    return _data(selectors.city_scope_for(request.user), chart)


@login_required
@reads_from_replica
def district(request, pk: int):
    scope = selectors.district_scope_get_or_404(request.user, pk)
    return _page(
        request,
        scope,
        "dashboard/district.html",
        {
            "request_figures": selectors.request_figures_cached(scope.district.pk),
            "flow": selectors.flow_cached(scope.district.pk, timezone.localdate()),
        },
    )


@login_required
@reads_from_replica
def district_screen(request, pk: int):
    return _page(request, selectors.district_scope_get_or_404(request.user, pk), "dashboard/screen.html")


@login_required
@reads_from_replica
def district_data(request, pk: int, chart: str):
    return _data(selectors.district_scope_get_or_404(request.user, pk), chart)


@login_required
@reads_from_replica
def industry(request, pk: int):
    return _page(request, selectors.industry_scope_get_or_404(request.user, pk), "dashboard/industry.html")


@login_required
@reads_from_replica
def industry_screen(request, pk: int):
    return _page(request, selectors.industry_scope_get_or_404(request.user, pk), "dashboard/screen.html")


@login_required
@reads_from_replica
def industry_data(request, pk: int, chart: str):
    return _data(selectors.industry_scope_get_or_404(request.user, pk), chart)


@login_required
@reads_from_replica
def enterprise_list(request):
    """The enterprises behind a figure: scoped, filterable, exportable."""
    require_role(request.user, STAFF_ROLES)
    form = DrillDownForm(request.GET or None, user=request.user)
    today = timezone.localdate()
    valid = not form.is_bound or form.is_valid()
    page = None
    if valid:
        enterprises = drilldown_rows(drilldown_visible_to(request.user, form.filters(), today), today)
        page = Paginator(enterprises, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    figure = form.cleaned_data.get("figure") if valid and form.is_bound else ""
    return render(
        request,
        "dashboard/enterprise_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "today": today,
            "figure_label": DRILLS.get(figure, ""),
        },
    )


@login_required
@reads_from_replica
def enterprise_export(request):
    require_role(request.user, STAFF_ROLES)
    form = DrillDownForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        messages.error(request, MSG_EXPORT_BAD_FILTER)
        return redirect(f"{reverse('dashboard:enterprises')}?{request.GET.urlencode()}")
    filters = form.filters()
    enterprises = drilldown_visible_to(request.user, filters, timezone.localdate())
    title = str(DRILLS.get(filters.figure, LIST_TITLE))
    sheet = excel.Sheet(
        title=str(LIST_TITLE),
        columns=enterprise_services.enterprise_import_columns(),
        rows=enterprise_services.enterprise_export_rows(enterprises),
        heading=title,
        subheading=str(EXPORTED_AT % {"now": timezone.localtime().strftime("%Y-%m-%d %H:%M")}),
    )
    return xlsx_response(excel.write_workbook([sheet]), str(EXPORT_FILENAME % {"title": title}))
