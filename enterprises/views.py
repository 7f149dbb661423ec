from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import STAFF_ROLES, require_role
from core import excel
from core.downloads import xlsx_response
from core.forms import ExcelUploadForm
from core.ratelimit import limit_per_address
from enterprises import selectors, services
from enterprises.forms import (
    AccountCreateForm,
    EnterpriseFilterForm,
    EnterpriseFlagsForm,
    EnterpriseForm,
    RegistrationForm,
    RejectForm,
)
from enterprises.selectors import EnterpriseFilters

PAGE_SIZE = 50
EDITOR_ROLES = (Role.DISTRICT_STAFF, Role.ADMIN)


def _filters(request) -> tuple[EnterpriseFilterForm, EnterpriseFilters]:
    form = EnterpriseFilterForm(request.GET or None, user=request.user)
    if not form.is_valid():
        return form, EnterpriseFilters()
    data = form.cleaned_data
    return form, EnterpriseFilters(
        q=data.get("q", "").strip(),
        district=data["district"].pk if data.get("district") else None,
        section=data.get("section", ""),
        status=data.get("status", ""),
        above_scale=data.get("above_scale", False),
        key=data.get("key", False),
        chain_leader=data.get("chain_leader", False),
    )


@login_required
def enterprise_list(request):
    require_role(request.user, STAFF_ROLES)
    form, filters = _filters(request)
    enterprises = selectors.enterprise_list_visible_to(request.user, filters)
    # Counting 60,000 rows on every page view is the slow part; the paginator counts once.
    page = Paginator(enterprises, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "enterprises/enterprise_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_edit": request.user.role in EDITOR_ROLES,
            "can_flag": request.user.role in services.FLAG_ROLES,
        },
    )


@login_required
def enterprise_export(request):
    require_role(request.user, STAFF_ROLES)
    _form, filters = _filters(request)
    enterprises = selectors.enterprise_list_visible_to(request.user, filters)
    sheet = excel.Sheet(
        title="企业名录",
        columns=services.enterprise_import_columns(),
        rows=services.enterprise_export_rows(enterprises),
    )
    return xlsx_response(excel.write_workbook([sheet]), "企业名录.xlsx")


@login_required
def enterprise_detail(request, pk: int):
    enterprise = selectors.enterprise_get_for_user_or_404(request.user, pk)
    can_edit = request.user.role == Role.ADMIN or (
        request.user.role == Role.DISTRICT_STAFF and request.user.district_id == enterprise.district_id
    )
    return render(
        request,
        "enterprises/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "accounts": enterprise.users.order_by("username") if can_edit else None,
            "can_edit": can_edit,
            "can_flag": request.user.role in services.FLAG_ROLES,
            "reject_form": RejectForm(),
        },
    )


@login_required
def enterprise_mine(request):
    require_role(request.user, (Role.ENTERPRISE,))
    return redirect("enterprises:detail", pk=request.user.enterprise_id)


@login_required
def enterprise_create(request):
    require_role(request.user, EDITOR_ROLES)
    form = EnterpriseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        enterprise = _save(request, form)
        if enterprise:
            messages.success(request, _("已登记企业“%(name)s”。") % {"name": enterprise.name})
            return redirect("enterprises:detail", pk=enterprise.pk)
    return render(request, "enterprises/enterprise_form.html", {"form": form, "title": _("登记企业")})


@login_required
def enterprise_edit(request, pk: int):
    enterprise = selectors.enterprise_get_for_user_or_404(request.user, pk)
    require_role(request.user, EDITOR_ROLES)
    form = EnterpriseForm(request.POST or None, instance=enterprise, user=request.user)
    if request.method == "POST" and form.is_valid() and _save(request, form):
        messages.success(request, _("企业信息已保存。"))
        return redirect("enterprises:detail", pk=pk)
    title = _("修改企业信息 · %(name)s") % {"name": enterprise.name}
    return render(request, "enterprises/enterprise_form.html", {"form": form, "title": title})


def _save(request, form):
    try:
        return services.enterprise_save(enterprise=form.instance, saved_by=request.user)
    except ValidationError as error:
        form.add_error(None, error)
        return None


@limit_per_address(method="POST")
def register(request):
    """Public self-registration; the account works once the district confirms it."""
    if request.user.is_authenticated:
        return redirect("portal:home")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enterprise = services.enterprise_register(
                data=form.enterprise_data(),
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                email=form.cleaned_data["email"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return render(request, "enterprises/register_done.html", {"enterprise": enterprise})
    return render(request, "enterprises/register.html", {"form": form})


@login_required
def pending_list(request):
    require_role(request.user, EDITOR_ROLES)
    return render(
        request,
        "enterprises/pending_list.html",
        {"enterprises": selectors.enterprise_pending_visible_to(request.user), "reject_form": RejectForm()},
    )


@require_POST
@login_required
def enterprise_confirm(request, pk: int):
    enterprise = selectors.enterprise_get_for_user_or_404(request.user, pk)
    require_role(request.user, EDITOR_ROLES)
    try:
        services.enterprise_confirm(enterprise=enterprise, confirmed_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已确认“%(name)s”, 其账号现在可以登录。") % {"name": enterprise.name})
    return redirect("enterprises:pending")


@require_POST
@login_required
def enterprise_reject(request, pk: int):
    enterprise = selectors.enterprise_get_for_user_or_404(request.user, pk)
    require_role(request.user, EDITOR_ROLES)
    form = RejectForm(request.POST)
    try:
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        services.enterprise_reject(enterprise=enterprise, rejected_by=request.user, reason=reason)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已退回“%(name)s”的注册。") % {"name": enterprise.name})
    return redirect("enterprises:pending")


@login_required
def account_create(request, pk: int):
    enterprise = selectors.enterprise_get_for_user_or_404(request.user, pk)
    require_role(request.user, EDITOR_ROLES)
    form = AccountCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, password = services.enterprise_account_create(
                enterprise=enterprise, created_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return render(
                request,
                "enterprises/account_created.html",
                {"enterprise": enterprise, "account": user, "password": password},
            )
    return render(request, "enterprises/account_form.html", {"form": form, "enterprise": enterprise})


@login_required
def import_template(request):
    require_role(request.user, EDITOR_ROLES)
    columns = services.enterprise_import_columns()
    district = request.user.district.name if request.user.district_id else "张浦镇"
    example = [
        "91320583MA1M00000G",
        "昆山示例精密机械有限公司",
        district,
        "3484",
        "昆山市示例路1号",
        "张三",
        "李四",
        "13912345678",
        120,
        "否",
        "否",
        "否",
    ]
    content = excel.template_workbook(columns, title="企业名录导入模板", example_rows=[example])
    return xlsx_response(content, "企业名录导入模板.xlsx")


@login_required
def enterprise_import(request):
    require_role(request.user, EDITOR_ROLES)
    form = ExcelUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            outcome = services.enterprise_import(upload=upload, imported_by=request.user)
        except excel.ExcelFileError as error:
            form.add_error("file", error.message)
        else:
            if outcome.result.ok:
                messages.success(request, _("已导入 %(count)d 家企业。") % {"count": len(outcome.created)})
                return redirect(reverse("enterprises:list"))
            context.update(
                excel.import_error_context(
                    user=request.user,
                    upload=upload,
                    columns=outcome.columns,
                    result=outcome.result,
                    filename=_("企业名录导入-错误标注.xlsx"),
                )
            )
    return render(request, "enterprises/enterprise_import.html", context)


# --- Key enterprises and chain leaders -------------------------------------------------------------


@login_required
def enterprise_flags(request, pk: int):
    enterprise = selectors.enterprise_get_for_user_or_404(request.user, pk)
    require_role(request.user, services.FLAG_ROLES)
    initial = {"is_key": enterprise.is_key, "is_chain_leader": enterprise.is_chain_leader}
    # Two unticked boxes post nothing but the CSRF token: bind on the method, not on the data.
    form = EnterpriseFlagsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.enterprise_flags_set(enterprise=enterprise, set_by=request.user, **form.cleaned_data)
        messages.success(request, _("已保存“%(name)s”的重点企业标记。") % {"name": enterprise.name})
        return redirect("enterprises:detail", pk=pk)
    return render(request, "enterprises/enterprise_flags.html", {"form": form, "enterprise": enterprise})


@login_required
def flags_template(request):
    """The flags template, pre-filled with the key enterprises and chain leaders in the user's scope."""
    require_role(request.user, services.FLAG_ROLES)
    flagged = selectors.enterprise_flagged_visible_to(request.user)
    content = excel.template_workbook(
        services.enterprise_flags_columns(),
        title="重点企业标记导入模板",
        example_rows=list(services.enterprise_flags_export_rows(flagged)),
    )
    return xlsx_response(content, "重点企业标记导入模板.xlsx")


@login_required
def flags_import(request):
    require_role(request.user, services.FLAG_ROLES)
    form = ExcelUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            outcome = services.enterprise_flags_import(upload=upload, imported_by=request.user)
        except excel.ExcelFileError as error:
            form.add_error("file", error.message)
        else:
            if outcome.result.ok:
                messages.success(request, _("已更新 %(count)d 家企业的重点企业标记。") % {"count": outcome.updated})
                return redirect(reverse("enterprises:list") + "?key=on")
            context.update(
                excel.import_error_context(
                    user=request.user,
                    upload=upload,
                    columns=outcome.columns,
                    result=outcome.result,
                    filename=_("重点企业标记导入-错误标注.xlsx"),
                )
            )
    return render(request, "enterprises/flags_import.html", context)
