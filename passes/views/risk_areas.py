"""The risk-area list: public pages (clause 3, no login) and the administrators' management pages.

Shaped like the negative list's pages (negative_list/views.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from core import excel
from core.downloads import import_error_context, xlsx_response
from core.forms import ExcelUploadForm
from passes.eligibility import risk_area_list_in_force
from passes.forms_risk import RiskAreaAddForm, RiskListDraftForm
from passes.models import RiskAreaList
from passes.selectors import risk_areas as selectors
from passes.services import risk_areas as services

MSG_DRAFT_CREATED = _("已新建草稿“%(title)s”。")
MSG_AREA_ADDED = _("已加入“%(code)s %(name)s”(%(level)s)。")
MSG_AREA_REMOVED = _("已移除“%(code)s %(name)s”。")
MSG_PUBLISHED = _(
    "已发布“%(title)s”, %(date)s起施行。届时持有效通行证、但按新名单不能上岗的员工, 其通行证将暂停使用并通知企业。"
)
MSG_IMPORTED = _("已导入 %(count)d 个地区。")

Q_MAX_LENGTH = 50


# --- the published list (public, clause 3) -------------------------------------------------------


def _version_page(request, version: RiskAreaList | None, in_force: RiskAreaList | None):
    q = request.GET.get("q", "")[:Q_MAX_LENGTH].strip()
    areas = selectors.risk_areas_of(version)
    others = [v for v in selectors.risk_area_lists_published() if version is None or v.pk != version.pk]
    return render(
        request,
        "passes/risk_public.html",
        {
            "version": version,
            "in_force": in_force,
            "is_in_force": version is not None and in_force is not None and version.pk == in_force.pk,
            "today": timezone.localdate(),
            "areas": areas,
            "q": q,
            "matches": selectors.risk_area_search(areas, version, q),
            "search_limit": selectors.DIVISION_SEARCH_LIMIT,
            "others": others,
        },
    )


def public(request):
    """The risk-area list in force today, searchable by place, for everyone without logging in."""
    in_force = risk_area_list_in_force(timezone.localdate())
    return _version_page(request, in_force, in_force)


def version_detail(request, pk: int):
    """Any published version, read-only: earlier ones stay visible so past decisions can be checked."""
    version = selectors.risk_area_list_published_get_or_404(pk)
    return _version_page(request, version, risk_area_list_in_force(timezone.localdate()))


def version_export(request, pk: int):
    return _export(selectors.risk_area_list_published_get_or_404(pk))


def _export(version: RiskAreaList):
    content = services.risk_area_export(risk_list=version)
    return xlsx_response(content, f"风险地区名单-{version.effective_from:%Y%m%d}-{version.pk}.xlsx")


# --- management (administrators) -----------------------------------------------------------------


def _require_admin(user) -> None:
    """Versions are city-wide, not scoped: anyone but an administrator is refused, missing or not."""
    if user.role != Role.ADMIN:
        raise PermissionDenied


@login_required
def manage_list(request):
    _require_admin(request.user)
    return render(
        request,
        "passes/risk_manage_list.html",
        {
            "versions": selectors.risk_area_lists_all(),
            "in_force": risk_area_list_in_force(timezone.localdate()),
            "today": timezone.localdate(),
        },
    )


@login_required
def manage_create(request):
    _require_admin(request.user)
    in_force = risk_area_list_in_force(timezone.localdate())
    form = RiskListDraftForm(request.POST or None, in_force=in_force)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            draft = services.risk_area_list_draft_create(
                created_by=request.user,
                title=data["title"],
                source_document=data["source_document"],
                effective_from=data["effective_from"],
                notes=data["notes"],
                copy_from=data["copy_from"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, MSG_DRAFT_CREATED % {"title": draft.title})
            return redirect("passes:risk_area_manage_detail", pk=draft.pk)
    return render(request, "passes/risk_manage_form.html", {"form": form})


@login_required
def manage_detail(request, pk: int):
    """A version's areas; on a draft also the form that adds one (it posts here)."""
    _require_admin(request.user)
    version = selectors.risk_area_list_get_or_404(pk)
    is_draft = version.status == RiskAreaList.Status.DRAFT
    form = RiskAreaAddForm(request.POST or None) if is_draft else None
    if request.method == "POST":
        if form is None:
            messages.error(request, str(services.MSG_PUBLISHED_READ_ONLY))
            return redirect("passes:risk_area_manage_detail", pk=pk)
        if form.is_valid():
            try:
                area = services.risk_area_add(draft=version, added_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)  # a dict error lands on its own field
            else:
                messages.success(request, MSG_AREA_ADDED % {"code": area.division.code, "name": area.division.full_name,
                                                            "level": area.get_level_display()})
                return redirect("passes:risk_area_manage_detail", pk=pk)
    return render(
        request,
        "passes/risk_manage_detail.html",
        {
            "version": version,
            "is_draft": is_draft,
            "areas": selectors.risk_areas_of(version),
            "form": form,
            "in_force": risk_area_list_in_force(timezone.localdate()),
            "today": timezone.localdate(),
        },
    )


@require_POST
@login_required
def manage_area_remove(request, pk: int):
    _require_admin(request.user)
    area = selectors.risk_area_get_or_404(pk)
    try:
        services.risk_area_remove(area=area, removed_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, MSG_AREA_REMOVED % {"code": area.division.code, "name": area.division.full_name})
    return redirect("passes:risk_area_manage_detail", pk=area.risk_list_id)


@require_POST
@login_required
def manage_publish(request, pk: int):
    _require_admin(request.user)
    draft = selectors.risk_area_list_get_or_404(pk)
    try:
        version = services.risk_area_list_publish(draft=draft, published_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, MSG_PUBLISHED % {"title": version.title,
                                                   "date": f"{version.effective_from:%Y-%m-%d}"})
    return redirect("passes:risk_area_manage_detail", pk=pk)


@login_required
def manage_export(request, pk: int):
    _require_admin(request.user)
    return _export(selectors.risk_area_list_get_or_404(pk))


@login_required
def manage_import_template(request):
    _require_admin(request.user)
    return xlsx_response(services.risk_area_template(), "风险地区名单导入模板.xlsx")


@login_required
def manage_import(request, pk: int):
    _require_admin(request.user)
    draft = selectors.risk_area_list_get_or_404(pk)
    if draft.status != RiskAreaList.Status.DRAFT:
        messages.error(request, str(services.MSG_PUBLISHED_READ_ONLY))
        return redirect("passes:risk_area_manage_detail", pk=pk)
    form = ExcelUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "version": draft}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            outcome = services.risk_area_import(draft=draft, upload=upload, imported_by=request.user)
        except excel.ExcelFileError as error:
            form.add_error("file", error.message)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if outcome.result.ok:
                messages.success(request, MSG_IMPORTED % {"count": len(outcome.created)})
                return redirect("passes:risk_area_manage_detail", pk=pk)
            context.update(import_error_context(user=request.user, upload=upload, columns=outcome.columns,
                                                result=outcome.result, filename=_("风险地区名单导入-错误标注.xlsx")))
    return render(request, "passes/risk_manage_import.html", context)
