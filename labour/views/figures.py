"""The labour figures page: open positions and hires by district and industry, pairings, drives by region,
disputes and complaints, within the user's scope; exportable to Excel."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.permissions import STAFF_ROLES, require_role
from core import excel
from core.downloads import xlsx_response
from labour import exports
from labour.figures import labour_figures


@login_required
def figures(request):
    require_role(request.user, STAFF_ROLES)
    return render(request, "labour/figures.html", {"figures": labour_figures(request.user)})


@login_required
def figures_export(request):
    require_role(request.user, STAFF_ROLES)
    sheet = exports.figures_sheet(labour_figures(request.user))
    return xlsx_response(excel.write_workbook([sheet]), _("用工保障情况.xlsx"))
