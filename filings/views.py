from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import STAFF_ROLES, require_role
from core import excel, uploads
from core.downloads import xlsx_response
from core.forms import error_text
from core.replica import reads_from_replica
from filings import selectors, services
from filings.forms import (
    DecisionForm,
    GuidanceForm,
    MaterialUploadForm,
    MeasuresStepForm,
    QueueFilterForm,
    ResumptionForm,
    ScopeStepForm,
)
from filings.models import Filing, FilingMaterial
from filings.selectors import QueueFilters
from negative_list.selectors import industry_restrictions, negative_list_rules

PAGE_SIZE = 50
MSG_DECIDED = {
    "approve": _lazy("备案 %(reference)s 已审核通过。"),
    "return": _lazy("备案 %(reference)s 已退回企业修改。"),
    "reject": _lazy("备案 %(reference)s 不予通过。"),
}
MSG_ROSTER_ATTACHED = _lazy("已按平台员工花名册(%(count)d 人)生成并附上“员工花名册”, 身份证号已脱敏。")
STEPS = [
    ("scope", _lazy("申请范围")),
    ("measures", _lazy("防控措施")),
    ("materials", _lazy("上传材料")),
    ("check", _lazy("核对提交")),
]


# --- Enterprise: filing in steps -------------------------------------------------------------


@login_required
def filing_mine(request):
    require_role(request.user, (Role.ENTERPRISE,))
    filings = selectors.filing_list_for_enterprise(request.user)
    return render(request, "filings/filing_mine.html", {"filings": filings[:50]})


@require_POST
@login_required
def filing_start(request):
    require_role(request.user, (Role.ENTERPRISE,))
    filing = services.filing_start(enterprise=request.user.enterprise, started_by=request.user)
    return redirect("filings:step_scope", pk=filing.pk)


def _editable_filing(request, pk: int) -> Filing | None:
    """The enterprise's filing if it can still be edited; None (with a message) if it cannot."""
    filing = selectors.filing_get_for_user_or_404(request.user, pk)
    require_role(request.user, (Role.ENTERPRISE,))
    if filing.is_editable:
        return filing
    messages.info(request, str(services.MSG_NOT_EDITABLE))
    return None


def _step(request, pk: int, form_class, step: str, next_step: str, legend: str, form_kwargs=None):
    filing = _editable_filing(request, pk)
    if filing is None:
        return redirect("filings:detail", pk=pk)
    form = form_class(request.POST or None, instance=filing, **(form_kwargs(filing) if form_kwargs else {}))
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.filing_update(filing=filing, data=data, updated_by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if "save_exit" in request.POST:
                messages.success(request, _("已保存, 可以随时回来继续填写。"))
                return redirect("filings:mine")
            return redirect(f"filings:step_{next_step}", pk=filing.pk)
    return render(
        request,
        "filings/step_form.html",
        {"filing": filing, "form": form, "steps": STEPS, "current": step, "legend": legend},
    )


def _scope_restrictions(filing: Filing) -> dict:
    """Step 1 cites the negative-list entry beside each scope the list in force restricts."""
    return {"restrictions": industry_restrictions(filing.enterprise.industry, timezone.localdate())}


@login_required
def step_scope(request, pk: int):
    return _step(
        request, pk, ScopeStepForm, "scope", "measures", _("申请复工复产的范围"), form_kwargs=_scope_restrictions
    )


@login_required
def step_measures(request, pk: int):
    return _step(request, pk, MeasuresStepForm, "measures", "materials", _("疫情防控措施和联系人"))


@login_required
def step_materials(request, pk: int):
    filing = _editable_filing(request, pk)
    if filing is None:
        return redirect("filings:detail", pk=pk)
    form = MaterialUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                material = services.filing_material_upload(
                    filing=filing,
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["file"],
                    uploaded_by=request.user,
                )
            except ValidationError as error:
                messages.error(request, error_text(error))
            else:
                messages.success(request, _("已上传“%(kind)s”。") % {"kind": material.get_kind_display()})
        else:
            messages.error(request, _("请选择要上传的文件。"))
        return redirect("filings:step_materials", pk=filing.pk)
    uploaded = {m.kind: m for m in filing.materials.all()}
    rows = [
        {
            "kind": kind,
            "label": label,
            "material": uploaded.get(kind),
            "formats": "、".join(services.MATERIAL_FORMATS[kind]).upper(),
        }
        for kind, label in FilingMaterial.Kind.choices
    ]
    return render(
        request, "filings/step_materials.html", {"filing": filing, "rows": rows, "steps": STEPS, "current": "materials"}
    )


@require_POST
@login_required
def attach_roster(request, pk: int):
    """The roster material generated from the portal's roster, in one click (upload stays the alternative)."""
    filing = _editable_filing(request, pk)
    if filing is None:
        return redirect("filings:detail", pk=pk)
    try:
        _material, count = services.filing_roster_attach(filing=filing, attached_by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, MSG_ROSTER_ATTACHED % {"count": count})
    return redirect("filings:step_materials", pk=filing.pk)


@login_required
def step_check(request, pk: int):
    """Check your answers, see what blocks submission (missing items, the negative list), then submit."""
    filing = _editable_filing(request, pk)
    if filing is None:
        return redirect("filings:detail", pk=pk)
    answer = request.POST.get("answer", "")
    if request.method == "POST":
        try:
            services.filing_submit(filing=filing, submitted_by=request.user, answer=answer)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            return redirect("filings:receipt", pk=filing.pk)
    rules = negative_list_rules(on=timezone.localdate())
    return render(
        request,
        "filings/step_check.html",
        {
            "filing": filing,
            "answer": answer,
            "materials": list(filing.materials.all()),
            "missing": services.filing_completeness_errors(filing),
            "restrictions": services.filing_restrictions(filing, rules),
            "negative_list": rules.version,
            "steps": STEPS,
            "current": "check",
        },
    )


@login_required
def receipt(request, pk: int):
    filing = selectors.filing_get_for_user_or_404(request.user, pk)
    if filing.status == Filing.Status.DRAFT:
        raise Http404
    return render(request, "filings/receipt.html", {"filing": filing})


@require_POST
@login_required
def record_resumption(request, pk: int):
    filing = selectors.filing_get_for_user_or_404(request.user, pk)
    require_role(request.user, (Role.ENTERPRISE,))
    form = ResumptionForm(request.POST, filing=filing)
    if form.is_valid():
        try:
            services.filing_record_resumption(filing=filing, recorded_by=request.user, dates=form.cleaned_data)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("已登记实际复工复产日期。"))
    else:
        messages.error(request, _("请输入正确的日期。"))
    return redirect("filings:detail", pk=filing.pk)


# --- Everyone in scope: the filing page --------------------------------------------------------


@login_required
def filing_detail(request, pk: int):
    filing = selectors.filing_get_for_user_or_404(request.user, pk)
    relations = selectors.filing_detail_relations(filing)
    user = request.user
    context = {"filing": filing, **relations}
    if user.role == Role.DISTRICT_STAFF and filing.status == Filing.Status.SUBMITTED:
        context["decision_form"] = DecisionForm(materials=relations["materials"])
    if user.role == Role.AUTHORITY_STAFF:
        context["guidance_form"] = GuidanceForm()
    if user.role == Role.ENTERPRISE and filing.is_in_effect:
        context["resumption_form"] = ResumptionForm(filing=filing)
    return render(request, "filings/filing_detail.html", context)


@login_required
def material_file(request, pk: int):
    material = selectors.material_get_for_user_or_404(request.user, pk)
    inline = request.GET.get("download") != "1"
    return uploads.file_response(
        material.file, kind=material.file_kind, download_name=material.original_name, inline=inline
    )


# --- District staff: decide --------------------------------------------------------------------


@require_POST
@login_required
def decide(request, pk: int):
    filing = selectors.filing_get_for_user_or_404(request.user, pk)
    require_role(request.user, (Role.DISTRICT_STAFF,))
    form = DecisionForm(request.POST, materials=filing.materials.all())
    if not form.is_valid():
        messages.error(request, _("请选择审核结果。"))
        return redirect("filings:detail", pk=filing.pk)
    action, comment = form.cleaned_data["action"], form.cleaned_data["comment"]
    try:
        if action == "approve":
            services.filing_approve(filing=filing, approved_by=request.user, comment=comment)
        elif action == "reject":
            services.filing_reject(filing=filing, rejected_by=request.user, reason=comment)
        else:
            services.filing_return(
                filing=filing, returned_by=request.user, comment=comment, material_reasons=form.material_reasons()
            )
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("filings:detail", pk=filing.pk)
    messages.success(request, MSG_DECIDED[action] % {"reference": filing.reference})
    return redirect("filings:queue")


@require_POST
@login_required
def guidance(request, pk: int):
    filing = selectors.filing_get_for_user_or_404(request.user, pk)
    require_role(request.user, (Role.AUTHORITY_STAFF,))
    form = GuidanceForm(request.POST)
    try:
        services.filing_guidance_add(filing=filing, author=request.user, comment=form.data.get("comment", ""))
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("指导意见已记录。"))
    return redirect("filings:detail", pk=filing.pk)


# --- Staff: the work queue -----------------------------------------------------------------------


def _queue_filters(request) -> tuple[QueueFilterForm, QueueFilters]:
    form = QueueFilterForm(request.GET or None, user=request.user)
    if not form.is_bound:
        return form, QueueFilters()
    if not form.is_valid():
        return form, QueueFilters()
    data = form.cleaned_data
    return form, QueueFilters(
        status=data["status"],
        district=data["district"].pk if data.get("district") else None,
        section=data["section"],
        q=data["q"].strip(),
        above_scale=data["above_scale"],
        key=data["key"],
        overdue_before=timezone.now() if data["overdue"] else None,
    )


@login_required
def queue(request):
    require_role(request.user, STAFF_ROLES)
    form, filters = _queue_filters(request)
    filings = selectors.filing_queue_visible_to(request.user, filters)
    page = Paginator(filings, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "filings/queue.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "now": timezone.now(),
            "can_decide": request.user.role == Role.DISTRICT_STAFF,
        },
    )


@require_POST
@login_required
def bulk_approve(request):
    require_role(request.user, (Role.DISTRICT_STAFF,))
    ids = [int(value) for value in request.POST.getlist("filings") if value.isdigit()]
    if not ids:
        messages.error(request, _("请先勾选要批量通过的备案。"))
        return redirect("filings:queue")
    visible = list(selectors.filing_queue_visible_to(request.user).filter(pk__in=ids).values_list("pk", flat=True))
    outcome = services.filing_bulk_approve(filing_ids=visible, approved_by=request.user)
    if outcome.approved:
        messages.success(request, _("已批量通过 %(count)d 份备案。") % {"count": len(outcome.approved)})
    for filing, reason in outcome.refused:
        messages.warning(request, f"{filing.reference}: {reason}")
    return redirect("filings:queue")


@login_required
@reads_from_replica
def queue_export(request):
    require_role(request.user, STAFF_ROLES)
    _form, filters = _queue_filters(request)
    filings = selectors.filing_queue_visible_to(request.user, filters).select_related("decided_by")
    sheet = excel.Sheet(
        title=_("备案审核"),
        columns=services.QUEUE_EXPORT_COLUMNS,
        rows=services.filing_export_rows(filings),
        heading=_("复工复产备案审核情况"),
        subheading=_("导出时间: %(now)s") % {"now": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
    )
    return xlsx_response(excel.write_workbook([sheet]), _("复工复产备案.xlsx"))


# --- Templates of the materials --------------------------------------------------------------


@login_required
def material_template(request, kind: str):
    require_role(request.user, (Role.ENTERPRISE,))
    enterprise = request.user.enterprise
    if kind == FilingMaterial.Kind.ROSTER:
        content = excel.template_workbook(services.ROSTER_TEMPLATE_COLUMNS, title=_("员工花名册"))
        return xlsx_response(content, _("员工花名册模板.xlsx"))
    if kind == FilingMaterial.Kind.SUPPLIES_LIST:
        content = excel.template_workbook(services.SUPPLIES_TEMPLATE_COLUMNS, title=_("防疫物资清单"))
        return xlsx_response(content, _("防疫物资清单模板.xlsx"))
    if kind not in FilingMaterial.Kind.values:
        raise Http404
    return render(request, f"filings/template_{kind}.html", {"enterprise": enterprise, "today": timezone.localdate()})
