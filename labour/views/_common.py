"""What the labour views share: list pages with filters and pagination, error text, exports."""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import excel
from core.downloads import xlsx_response
from labour.forms import FilterForm

PAGE_SIZE = 50
MSG_FIX_FORM = _("请按提示修改后再提交。")
EXPORTED_AT = _("导出时间: %(now)s")


def error_text(error: ValidationError) -> str:
    return " ".join(map(str, error.messages))


def filter_form(request, statuses, **kwargs) -> FilterForm:
    return FilterForm(request.GET or None, statuses=statuses,
                      with_district=request.user.role != "enterprise" and request.user.role != "district_staff",
                      **kwargs)


def list_page(request, template: str, qs, form: FilterForm, **context):
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, template, {"form": form, "page": page, "query": query.urlencode(), **context})


def export(*, title, columns, rows, heading, filename):
    sheet = excel.Sheet(title=str(title), columns=columns, rows=rows, heading=str(heading),
                        subheading=str(EXPORTED_AT) % {"now": timezone.localtime().strftime("%Y-%m-%d %H:%M")})
    return xlsx_response(excel.write_workbook([sheet]), filename)
