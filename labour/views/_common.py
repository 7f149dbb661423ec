"""What the labour views share: list pages with filters, pagination and their Excel export, error text."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import require_role
from core import excel
from core.downloads import xlsx_response
from labour.forms import NOT_CLOSED, FilterForm

PAGE_SIZE = 50
MSG_FIX_FORM = _("请按提示修改后再提交。")
EXPORTED_AT = _("导出时间: %(now)s")


def error_text(error: ValidationError) -> str:
    return " ".join(map(str, error.messages))


def filter_form(request, statuses, **kwargs) -> FilterForm:
    return FilterForm(
        request.GET or None,
        statuses=statuses,
        with_district=request.user.role != "enterprise" and request.user.role != "district_staff",
        **kwargs,
    )


def list_page(request, template: str, qs, form: FilterForm, **context):
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, template, {"form": form, "page": page, "query": query.urlencode(), **context})


def export(*, title, columns, rows, heading, filename):
    sheet = excel.Sheet(
        title=str(title),
        columns=columns,
        rows=rows,
        heading=str(heading),
        subheading=str(EXPORTED_AT) % {"now": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
    )
    return xlsx_response(excel.write_workbook([sheet]), filename)


@dataclass(frozen=True)
class ListSpec:
    """A filtered, paginated list and its export: what to select, how to show it, how to write it out."""

    select: Callable  # (user, ListFilters) -> the scoped queryset
    statuses: Sequence
    template: str
    columns: Sequence
    rows: Callable  # queryset -> rows of the export
    title: str
    heading: str
    filename: str
    roles: tuple | None = None  # None: every signed-in user (the selector scopes the rows)
    open_label: str = NOT_CLOSED
    context: Callable = field(default=lambda request: {})


def list_and_export(spec: ListSpec):
    """The list page and its Excel export, reading the same filters through the same selector."""

    def rows_for(request):
        if spec.roles:
            require_role(request.user, spec.roles)
        form = filter_form(request, spec.statuses, open_label=spec.open_label)
        return form, spec.select(request.user, form.filters())

    @login_required
    def list_view(request):
        form, qs = rows_for(request)
        return list_page(request, spec.template, qs, form, **spec.context(request))

    @login_required
    def export_view(request):
        _form, qs = rows_for(request)
        return export(
            title=spec.title, columns=spec.columns, rows=spec.rows(qs), heading=spec.heading, filename=spec.filename
        )

    return list_view, export_view
