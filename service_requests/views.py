from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import STAFF_ROLES, require_role
from core import excel, uploads
from core.downloads import xlsx_response
from core.forms import ExcelUploadForm, error_text
from core.replica import reads_from_replica
from service_requests import linkage, lookback, selectors, services
from service_requests.forms import (
    MSG_CREDIT_CODE_UNKNOWN,
    AnswerForm,
    AttachForm,
    CommentForm,
    ConfirmForm,
    HandOverForm,
    LinkageForm,
    ListFilterForm,
    LookBackForm,
    QuestionForm,
    RaiseForm,
    ReopenForm,
    ReplyForm,
)
from service_requests.models import ServiceRequest

PAGE_SIZE = 50
RAISE_ROLES = (Role.ENTERPRISE, Role.DISTRICT_STAFF, Role.AUTHORITY_STAFF)
HANDLER_ROLES = (Role.DISTRICT_STAFF, Role.AUTHORITY_STAFF, Role.COMMANDER)
READ_ROLES = (Role.ENTERPRISE, *STAFF_ROLES)


# --- Lists ----------------------------------------------------------------------------------------


def _list_filters(request) -> tuple[ListFilterForm, selectors.ListFilters]:
    form = ListFilterForm(request.GET or None, user=request.user)
    if not (form.is_bound and form.is_valid()):
        return form, selectors.ListFilters()
    data = form.cleaned_data
    return form, selectors.ListFilters(
        status=data["status"],
        category=data["category"],
        district=data["district"].pk if data.get("district") else None,
        tier=data["tier"],
        department=data["department"],
        figure=data["figure"],
        q=data["q"].strip(),
    )


@login_required
def request_list(request):
    """An enterprise's own requests; staff the requests in their scope, filterable (the figures' drill-down)."""
    require_role(request.user, READ_ROLES)
    form, filters = _list_filters(request)
    page = Paginator(selectors.service_request_list_visible_to(request.user, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "service_requests/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "now": timezone.now(),
            "figure_label": selectors.FIGURE_LABELS.get(filters.figure, ""),
            "can_raise": request.user.role in RAISE_ROLES,
        },
    )


@login_required
def queue(request):
    """The handler's queue: what the official or their department holds, earliest deadline first."""
    require_role(request.user, HANDLER_ROLES)
    page = Paginator(selectors.service_request_queue_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "service_requests/queue.html", {"page": page, "now": timezone.now()})


# --- Raising --------------------------------------------------------------------------------------


def _raise_initial(request) -> tuple[dict, object, object]:
    """Pre-filled fields from a capacity report's blocker (转为诉求) or an enterprise picked by staff."""
    initial, report, enterprise = {}, None, None
    capacity = request.GET.get("capacity", "") or request.POST.get("capacity", "")
    if capacity.isdigit():
        report = selectors.capacity_report_for_raise_or_404(request.user, int(capacity))
        try:
            initial.update(services.capacity_blocker_prefill(report))
        except ValidationError as error:
            messages.warning(request, error_text(error))
        enterprise = report.enterprise
    picked = request.GET.get("enterprise", "")
    if picked.isdigit():
        enterprise = selectors.enterprise_for_raise(request.user, pk=int(picked))
    if enterprise is not None and request.user.role != Role.ENTERPRISE:
        initial["credit_code"] = enterprise.credit_code
        initial["channel"] = "visit"
    return initial, report, enterprise


@login_required
def raise_request(request):
    require_role(request.user, RAISE_ROLES)
    user = request.user
    on_behalf = user.role != Role.ENTERPRISE
    initial, report, _enterprise = _raise_initial(request)
    form = RaiseForm(request.POST or None, request.FILES or None, initial=initial, on_behalf=on_behalf)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        enterprise = (
            selectors.enterprise_for_raise(user, credit_code=data["credit_code"]) if on_behalf else user.enterprise
        )
        if enterprise is None:
            form.add_error("credit_code", MSG_CREDIT_CODE_UNKNOWN)
        else:
            try:
                created = services.service_request_raise(
                    enterprise=enterprise,
                    raised_by=user,
                    category=data["category"],
                    urgency=data["urgency"],
                    title=data["title"],
                    text=data["text"],
                    attachments=data["attachments"],
                    channel=(data["channel"] or None) if on_behalf and not report else None,
                    capacity_report=report,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("诉求 %(reference)s 已提交, 由%(owner)s办理。")
                    % {"reference": created.reference, "owner": created.owner_label},
                )
                return redirect("service_requests:detail", pk=created.pk)
    return render(request, "service_requests/raise.html", {"form": form, "report": report, "on_behalf": on_behalf})


# --- One request ----------------------------------------------------------------------------------


@login_required
def request_detail(request, pk: int):
    item = selectors.service_request_get_for_user_or_404(request.user, pk)
    user = request.user
    context = {
        "item": item,
        **selectors.service_request_detail_relations(item),
        "now": timezone.now(),
        "action_labels": services.ACTION_LABELS,
    }
    if services.may_handle(user, item) and item.status in services.TRANSITIONS["answer"][0]:
        context.update(
            answer_form=AnswerForm(),
            hand_over_form=HandOverForm(),
            question_form=QuestionForm(),
            escalate_form=CommentForm(),
            can_accept=item.status in services.TRANSITIONS["accept"][0],
        )
    is_owner_enterprise = user.role == Role.ENTERPRISE and user.enterprise_id == item.enterprise_id
    if is_owner_enterprise and item.status == ServiceRequest.Status.ANSWERED:
        context.update(confirm_form=ConfirmForm(), reopen_form=ReopenForm())
    if is_owner_enterprise and item.status == ServiceRequest.Status.INFO_REQUESTED:
        context["reply_form"] = ReplyForm()
    if item.is_open and (is_owner_enterprise or services.may_handle(user, item)):
        context["attach_form"] = AttachForm()
    return render(request, "service_requests/detail.html", context)


def _act_handler(request, item, action):
    user, post = request.user, request.POST
    if action == "accept":
        return services.service_request_accept(request=item, accepted_by=user), _("已受理。")
    if action == "answer":
        cited = post.get("cited_answer") or ""
        return services.service_request_answer(
            request=item,
            answered_by=user,
            answer=post.get("answer", ""),
            cited_answer_id=int(cited) if cited.isdigit() else None,
        ), _("已答复, 等待企业确认。")
    if action == "hand_over":
        form = HandOverForm(post)
        if not form.is_valid():
            raise ValidationError(
                services.MSG_HAND_OVER_COMMENT if "to_authority" in form.cleaned_data else _("请选择转交部门。")
            )
        return services.service_request_hand_over(
            request=item,
            handed_over_by=user,
            to_authority=form.cleaned_data["to_authority"],
            comment=form.cleaned_data["comment"],
        ), _("已转交。")
    if action == "request_info":
        return services.service_request_ask_for_information(
            request=item, asked_by=user, question=post.get("question", "")
        ), _("已请企业补充, 办理计时暂停。")
    if action == "escalate":
        return services.service_request_escalate(request=item, escalated_by=user, comment=post.get("comment", "")), _(
            "已升级至上一级。"
        )
    return None


def _act_enterprise(request, item, action):
    user, post = request.user, request.POST
    if action == "supply_info":
        form = ReplyForm(post, request.FILES)
        files = form.cleaned_data["attachments"] if form.is_valid() else []
        return services.service_request_supply_information(
            request=item, supplied_by=user, reply=post.get("reply", ""), attachments=files
        ), _("已补充, 办理计时继续。")
    if action == "confirm":
        return services.service_request_confirm(
            request=item, confirmed_by=user, rating=post.get("rating", ""), comment=post.get("comment", "")
        ), _("感谢您的评价, 诉求已办结。")
    if action == "reopen":
        return services.service_request_reopen(request=item, reopened_by=user, reason=post.get("reason", "")), _(
            "已退回重新办理。"
        )
    return None


@require_POST
@login_required
def act(request, pk: int, action: str):
    item = selectors.service_request_get_for_user_or_404(request.user, pk)
    require_role(request.user, (Role.ENTERPRISE, *HANDLER_ROLES))
    handlers = (_act_enterprise,) if request.user.role == Role.ENTERPRISE else (_act_handler,)
    try:
        if action == "attach":
            form = AttachForm(request.POST, request.FILES)
            if not form.is_valid():  # no file, or an empty one: the form says which
                raise ValidationError(form.errors["file"])
            services.service_request_attach(request=item, upload=form.cleaned_data["file"], uploaded_by=request.user)
            outcome = (item, _("附件已上传。"))
        else:
            outcome = handlers[0](request, item, action)
            if outcome is None:
                raise Http404
    except ValidationError as error:
        messages.error(request, error_text(error))
    except PermissionDenied as error:
        messages.error(request, str(error) or _("您不能执行此操作。"))
    else:
        messages.success(request, outcome[1])
    return redirect("service_requests:detail", pk=item.pk)


@login_required
def attachment(request, pk: int):
    found = selectors.attachment_get_for_user_or_404(request.user, pk)
    return uploads.file_response(
        found.file, kind=found.file_kind, download_name=found.original_name, inline=request.GET.get("download") != "1"
    )


# --- Figures --------------------------------------------------------------------------------------


@login_required
@reads_from_replica
def figures(request):
    """件件有答复: the figures of the requests in the user's scope, each linking to its list."""
    require_role(request.user, STAFF_ROLES)
    data = selectors.service_request_figures(request.user)
    return render(request, "service_requests/figures.html", {"figures": data, "labels": selectors.FIGURE_LABELS})


# --- Linkage (district staff) ---------------------------------------------------------------------


@login_required
def linkage_list(request):
    require_role(request.user, (Role.DISTRICT_STAFF,))
    missing = request.GET.get("missing") == "1"
    page = Paginator(selectors.linkage_enterprises(request.user, missing_only=missing), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "service_requests/linkage_list.html",
        {
            "page": page,
            "rows": selectors.linkage_rows(page.object_list),
            "missing": missing,
            "missing_count": selectors.enterprises_without_tier_one(request.user).count(),
            "tiers": selectors.LinkageTier.objects.order_by("level"),
        },
    )


@login_required
def linkage_edit(request, pk: int):
    enterprise = selectors.linkage_enterprise_get_for_user_or_404(request.user, pk)
    chain = selectors.linkage_rows([enterprise])[0]["chain"]
    form = LinkageForm(request.POST or None, chain=chain)
    if request.method == "POST" and form.is_valid():
        columns = {c.key: c for c in linkage.linkage_import_columns()}
        targets = {}
        for name, value in list(form.cleaned_data.items()):
            try:
                targets[int(name.removeprefix("level_"))] = columns[name].parse(value) if value.strip() else None
            except ValidationError as error:
                form.add_error(name, error)
        if form.is_valid():
            try:
                linkage.linkage_set(enterprise=enterprise, settings=targets, set_by=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("已更新 %(name)s 的挂钩服务。") % {"name": enterprise.name})
                return redirect("service_requests:linkage")
    return render(
        request, "service_requests/linkage_edit.html", {"enterprise": enterprise, "chain": chain, "form": form}
    )


@login_required
def linkage_import(request):
    require_role(request.user, (Role.DISTRICT_STAFF,))
    form = ExcelUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            outcome = linkage.linkage_import(upload=upload, imported_by=request.user)
        except excel.ExcelFileError as error:
            form.add_error("file", error.message)
        except ValidationError as error:
            form.add_error("file", error_text(error))
        else:
            if outcome.result.ok:
                messages.success(request, _("已导入 %(count)d 家企业的挂钩服务。") % {"count": outcome.updated})
                return redirect("service_requests:linkage")
            context.update(
                excel.import_error_context(
                    user=request.user,
                    upload=upload,
                    columns=outcome.columns,
                    result=outcome.result,
                    filename=_("挂钩服务导入-错误标注.xlsx"),
                )
            )
    return render(request, "service_requests/linkage_import.html", context)


@login_required
def linkage_template(request):
    require_role(request.user, (Role.DISTRICT_STAFF,))
    content = excel.template_workbook(linkage.linkage_import_columns(), title=_("挂钩服务"))
    return xlsx_response(content, _("挂钩服务导入模板.xlsx"))


@login_required
def linkage_export(request):
    require_role(request.user, (Role.DISTRICT_STAFF,))
    enterprises = list(selectors.linkage_enterprises(request.user))
    resolver = linkage.LinkageResolver(enterprises)
    sheet = excel.Sheet(
        title=_("挂钩服务"),
        columns=linkage.linkage_import_columns(),
        rows=linkage.linkage_export_rows(enterprises, resolver),
    )
    return xlsx_response(excel.write_workbook([sheet]), _("挂钩服务.xlsx"))


# --- Look-back (district staff) -------------------------------------------------------------------


@login_required
def lookbacks(request):
    require_role(request.user, (Role.DISTRICT_STAFF, Role.COMMANDER, Role.ADMIN))
    page = Paginator(selectors.look_backs_visible_to(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "service_requests/lookbacks.html",
        {"page": page, "form": LookBackForm(), "can_call": request.user.role == Role.DISTRICT_STAFF},
    )


@require_POST
@login_required
def lookback_record(request, pk: int):
    found = selectors.look_back_get_for_user_or_404(request.user, pk)
    require_role(request.user, (Role.DISTRICT_STAFF,))
    try:
        lookback.look_back_record(
            look_back=found,
            called_by=request.user,
            outcome=request.POST.get("outcome", ""),
            note=request.POST.get("note", ""),
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("回访结果已记录。"))
    return redirect("service_requests:lookbacks")
