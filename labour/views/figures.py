"""The labour figures page: open positions and hires by district and industry, pairings, drives by region,
disputes and complaints, within the user's scope; exportable to Excel."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.permissions import STAFF_ROLES, require_role
from core import excel
from core.downloads import xlsx_response
from labour import exports
from labour.figures import labour_figures, labour_figures_cached


@login_required
def figures(request):
    require_role(request.user, STAFF_ROLES)
    return render(request, "labour/figures.html", {"figures": labour_figures_cached(request.user)})


@login_required
def figures_export(request):
    require_role(request.user, STAFF_ROLES)
    sheet = exports.figures_sheet(labour_figures(request.user))
    return xlsx_response(excel.write_workbook([sheet]), _("用工保障情况.xlsx"))


@login_required
def dashboard_section(request):
    """The labour section of the city and district dashboards, loaded by htmx after the page (whose own figures
    come from the minute cache): this user's scope, narrowed to one district when asked."""
    require_role(request.user, STAFF_ROLES)
    district = request.GET.get("district", "")
    figures = labour_figures_cached(request.user, district_id=int(district) if district.isdigit() else None)
    return render(request, "labour/_dashboard_section.html", {"figures": figures})
