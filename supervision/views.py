"""Pages of supervision: training records (enterprises; staff read), checklists (commanders and administrators),
inspection rounds, visits on a phone, findings and their rectification, public notices, and the figures blocks
the dashboards load. Views are thin: a selector fetches through the scoping layer, a service acts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import STAFF_ROLES, require_role
from core import excel, uploads
from core.downloads import xlsx_response
from core.forms import error_text
from core.replica import reads_from_replica
from core.rule_list_admin import RuleListAdmin, RuleListUrls
from supervision import forms, selectors, services
from supervision.models import Checklist, Notice

PAGE_SIZE = 50
INSPECTION_ROLES = (Role.DISTRICT_STAFF, Role.COMMANDER, Role.ADMIN)
NOTICE_READERS = (Role.DISTRICT_STAFF, Role.AUTHORITY_STAFF, Role.CHECKPOINT_STAFF, Role.COMMANDER, Role.ADMIN)

MSG_FIX_FORM = _("请按提示修改后再提交。")
MSG_TRAINING_RECORDED = _("培训记录已保存。")
MSG_ROUND_PLANNED = _("专项督导已创建, 共 %(count)s 个督导对象。")
MSG_TARGETS_ADDED = _("已加入 %(count)s 个督导对象。")
MSG_ROUND_CLOSED = _("本次督导已结束。")
MSG_VISIT_RECORDED = _("督导结果已保存, 发现问题 %(count)s 项。")
MSG_FINDING_DONE = {
    "report": _("整改情况已报告, 等待复查。"),
    "accept": _("复查通过, 问题已销号。"),
    "reopen": _("复查不通过, 已退回整改并重新计算整改期限。"),
}
MSG_NOTICE_SAVED = _("通报草稿已保存。")
MSG_NOTICE_DONE = {
    "submit": _("已提交审批, 须由另一名指挥部人员审批后发布。"),
    "publish": _("通报已发布, 全体工作人员可以查看。"),
    "return": _("已退回起草人修改。"),
    "withdraw": _("通报已撤回。"),
}
MSG_CHECKLIST_ITEM_ADDED = _("已加入第 %(number)s 项。")
MSG_CHECKLIST_ITEM_REMOVED = _("已移除第 %(number)s 项。")
MSG_CHECKLIST_PUBLISHED = _("已发布“%(title)s”, %(date)s起用于新建的专项督导。")
MSG_CHECKLIST_IMPORTED = _("已导入 %(count)d 个检查项。")
EXPORTED_AT = _("导出时间: %(now)s")


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _export(title, heading, columns, rows, filename):
    sheet = excel.Sheet(
        title=str(title),
        columns=columns,
        rows=rows,
        heading=str(heading),
        subheading=EXPORTED_AT % {"now": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
    )
    return xlsx_response(excel.write_workbook([sheet]), filename)


# --- training (clause 13) ------------------------------------------------------------------------


@login_required
def training_list(request):
    require_role(request.user, (Role.ENTERPRISE, *STAFF_ROLES))
    form = forms.TrainingFilterForm(request.GET or None)
    sessions = selectors.training_list_visible_to(request.user, form.filters())
    return render(
        request,
        "supervision/training_list.html",
        {"form": form, "page": _page(request, sessions), "query": _query_without_page(request)},
    )


@login_required
@reads_from_replica
def training_export(request):
    require_role(request.user, (Role.ENTERPRISE, *STAFF_ROLES))
    form = forms.TrainingFilterForm(request.GET or None)
    sessions = selectors.training_list_visible_to(request.user, form.filters())
    return _export(
        _("培训记录"),
        _("岗前培训与安全教育记录"),
        services.TRAINING_EXPORT_COLUMNS,
        services.training_export_rows(sessions),
        _("培训记录.xlsx"),
    )


@login_required
def training_new(request):
    require_role(request.user, (Role.ENTERPRISE,))
    enterprise = request.user.enterprise
    form = forms.TrainingSessionForm(
        request.POST or None, request.FILES or None, enterprise=enterprise, initial={"held_on": timezone.localdate()}
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                session = services.training_session_record(
                    enterprise=enterprise, recorded_by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, MSG_TRAINING_RECORDED)
                return redirect("supervision:training_detail", pk=session.pk)
        messages.error(request, MSG_FIX_FORM)
    return render(request, "supervision/training_form.html", {"form": form})


@login_required
def training_detail(request, pk: int):
    session = selectors.training_get_for_user_or_404(request.user, pk)
    return render(
        request,
        "supervision/training_detail.html",
        {"session": session, "attendees": session.attendees.order_by("name")},
    )


@login_required
def training_material(request, pk: int):
    session = selectors.training_get_for_user_or_404(request.user, pk)
    if not session.material:
        raise Http404
    return uploads.file_response(
        session.material,
        kind=session.file_kind,
        inline=True,
        download_name=session.original_name or f"培训-{session.pk}",
    )


@login_required
def training_status(request, enterprise_pk: int):
    """The block the filing page and the enterprise page load (htmx): were the returnees trained?"""
    return render(request, "supervision/_training_status.html", selectors.training_status(request.user, enterprise_pk))


# --- checklists (commanders and administrators) ---------------------------------------------------


def _checklist_export(checklist: Checklist):
    return xlsx_response(
        services.checklist_export(checklist=checklist),
        f"督查清单-{checklist.effective_from:%Y%m%d}-{checklist.pk}.xlsx",
    )


class ChecklistAdmin(RuleListAdmin):
    urls = RuleListUrls(
        manage="supervision:checklist_manage",
        create="supervision:checklist_create",
        detail="supervision:checklist_detail",
        publish="supervision:checklist_publish",
        import_items="supervision:checklist_import",
        export="supervision:checklist_export",
        import_template="supervision:checklist_template",
        remove="supervision:checklist_remove",
    )
    templates = "supervision/checklist_"
    draft_form = forms.ChecklistDraftForm
    item_form = forms.ChecklistItemForm
    items_name = "items"
    template_filename = "督查清单导入模板.xlsx"
    import_errors_filename = _("督查清单导入-错误标注.xlsx")
    msg_read_only = services.MSG_CHECKLIST_READ_ONLY
    msg_published = MSG_CHECKLIST_PUBLISHED
    msg_imported = MSG_CHECKLIST_IMPORTED

    check_manager = staticmethod(services.checklist_manager_check)
    in_force = staticmethod(selectors.checklist_in_force)
    versions = staticmethod(selectors.checklists_all)
    version_or_404 = staticmethod(selectors.checklist_get_or_404)
    items = staticmethod(selectors.checklist_items_of)
    item_or_404 = staticmethod(selectors.checklist_item_get_or_404)
    draft_create = staticmethod(services.checklist_draft_create)
    publish = staticmethod(services.checklist_publish)
    import_items = staticmethod(services.checklist_import)
    import_template = staticmethod(services.checklist_template)
    export = staticmethod(_checklist_export)

    @staticmethod
    def item_version_id(item) -> int:
        return item.checklist_id

    @staticmethod
    def item_add(*, draft, added_by, **data) -> str:
        item = services.checklist_item_add(draft=draft, added_by=added_by, **data)
        return MSG_CHECKLIST_ITEM_ADDED % {"number": item.number}

    @staticmethod
    def item_remove(item, *, removed_by) -> str:
        services.checklist_item_remove(item=item, removed_by=removed_by)
        return MSG_CHECKLIST_ITEM_REMOVED % {"number": item.number}


checklists = ChecklistAdmin()


# --- rounds -----------------------------------------------------------------------------------------


@login_required
def round_list(request):
    require_role(request.user, INSPECTION_ROLES)
    rounds = selectors.round_list_visible_to(request.user)
    return render(
        request,
        "supervision/round_list.html",
        {
            "page": _page(request, rounds),
            "query": "",
            "may_plan": request.user.role in (Role.COMMANDER, Role.DISTRICT_STAFF),
        },
    )


@login_required
@reads_from_replica
def round_export(request):
    require_role(request.user, INSPECTION_ROLES)
    rounds = selectors.round_list_visible_to(request.user)
    return _export(
        _("专项督导"),
        _("专项督导"),
        services.ROUND_EXPORT_COLUMNS,
        services.round_export_rows(rounds),
        _("专项督导.xlsx"),
    )


@login_required
def round_new(request):
    require_role(request.user, (Role.COMMANDER, Role.DISTRICT_STAFF))
    form = forms.RoundForm(
        request.POST or None,
        user=request.user,
        initial={"starts_on": timezone.localdate(), "ends_on": timezone.localdate()},
    )
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            target_kind = data["target_kind"]
            try:
                inspection_round = services.inspection_round_plan(
                    planned_by=request.user,
                    title=data["title"],
                    target_kind=target_kind,
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    inspectors=data["inspectors"],
                    targets=form.targets(target_kind),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, MSG_ROUND_PLANNED % {"count": inspection_round.visits.count()})
                return redirect("supervision:round_detail", pk=inspection_round.pk)
        messages.error(request, MSG_FIX_FORM)
    return render(request, "supervision/round_form.html", {"form": form})


def _may_organise(user, inspection_round) -> bool:
    return inspection_round.status == inspection_round.Status.OPEN and (
        user.pk == inspection_round.planned_by_id or user.role == Role.COMMANDER
    )


@login_required
def round_detail(request, pk: int):
    inspection_round = selectors.round_get_for_user_or_404(request.user, pk)
    visits = selectors.round_visits(inspection_round, request.user)
    may_organise = _may_organise(request.user, inspection_round)
    return render(
        request,
        "supervision/round_detail.html",
        {
            "round": inspection_round,
            "page": _page(request, visits),
            "query": "",
            "inspectors": inspection_round.inspectors.select_related("district").order_by("username"),
            "may_organise": may_organise,
            "targets_form": forms.TargetsForm(user=request.user, target_kind=inspection_round.target_kind)
            if may_organise
            else None,
        },
    )


@require_POST
@login_required
def round_targets(request, pk: int):
    inspection_round = selectors.round_get_for_user_or_404(request.user, pk)
    form = forms.TargetsForm(request.POST, user=request.user, target_kind=inspection_round.target_kind)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("supervision:round_detail", pk=pk)
    try:
        added = services.inspection_round_targets_add(
            inspection_round=inspection_round, added_by=request.user, targets=form.targets(inspection_round.target_kind)
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, MSG_TARGETS_ADDED % {"count": len(added)})
    return redirect("supervision:round_detail", pk=pk)


@require_POST
@login_required
def round_close(request, pk: int):
    inspection_round = selectors.round_get_for_user_or_404(request.user, pk)
    try:
        services.inspection_round_close(inspection_round=inspection_round, closed_by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, MSG_ROUND_CLOSED)
    return redirect("supervision:round_detail", pk=pk)


# --- visits -----------------------------------------------------------------------------------------


@login_required
def visit_list(request):
    require_role(request.user, INSPECTION_ROLES)
    form = forms.VisitFilterForm(request.GET or None)
    mine = request.GET.get("mine") == "1"
    visits = selectors.visit_list_visible_to(request.user, form.filters(mine=mine))
    return render(
        request,
        "supervision/visit_list.html",
        {"form": form, "mine": mine, "page": _page(request, visits), "query": _query_without_page(request)},
    )


@login_required
@reads_from_replica
def visit_export(request):
    require_role(request.user, INSPECTION_ROLES)
    form = forms.VisitFilterForm(request.GET or None)
    visits = selectors.visit_list_visible_to(request.user, form.filters(mine=request.GET.get("mine") == "1"))
    return _export(
        _("督导记录"),
        _("督导记录"),
        services.VISIT_EXPORT_COLUMNS,
        services.visit_export_rows(visits),
        _("督导记录.xlsx"),
    )


@login_required
def visit_detail(request, pk: int):
    visit = selectors.visit_get_for_user_or_404(request.user, pk)
    return render(
        request,
        "supervision/visit_detail.html",
        {
            "visit": visit,
            "results": selectors.visit_results(visit),
            "photos": list(visit.photos.all()),
            "findings": list(visit.findings.all()),
            "may_record": services.may_record_visit(request.user, visit),
        },
    )


@login_required
def visit_record(request, pk: int):
    """The inspector's phone page: each checklist item passed or failed, a note and photos."""
    visit = selectors.visit_get_for_user_or_404(request.user, pk)
    items = services.checklist_items_for(visit.round.checklist_id, visit.target_kind)
    form = forms.visit_record_form(items, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        answers = {
            item.pk: services.ItemAnswer(
                passed={"pass": True, "fail": False}.get(data[f"result_{item.pk}"]),
                note=data[f"note_{item.pk}"],
                photos=tuple(request.FILES.getlist(f"photos_{item.pk}")),
            )
            for item in items
        }
        try:
            services.inspection_visit_record(
                visit=visit,
                inspector=request.user,
                answers=answers,
                summary=data["summary"],
                photos=request.FILES.getlist("photos"),
            )
        except ValidationError as error:  # a refused photo names no field of the form: shown above it
            form.add_error(None, error.messages)
        else:
            messages.success(request, MSG_VISIT_RECORDED % {"count": visit.findings.count()})
            return redirect("supervision:visit_detail", pk=visit.pk)
    rows = [{"item": item, "result": form[f"result_{item.pk}"], "note": form[f"note_{item.pk}"]} for item in items]
    return render(
        request,
        "supervision/visit_record.html",
        {"visit": visit, "form": form, "rows": rows, "may_record": services.may_record_visit(request.user, visit)},
    )


@login_required
def visit_photo(request, pk: int):
    photo = selectors.visit_photo_get_for_user_or_404(request.user, pk)
    return uploads.file_response(
        photo.file, kind=photo.file_kind, inline=True, download_name=photo.original_name or f"督导照片-{photo.pk}"
    )


# --- findings ---------------------------------------------------------------------------------------


@login_required
def finding_list(request):
    require_role(request.user, (Role.ENTERPRISE, *INSPECTION_ROLES))
    form = forms.FindingFilterForm(request.GET or None)
    findings = selectors.finding_list_visible_to(request.user, form.filters())
    return render(
        request,
        "supervision/finding_list.html",
        {"form": form, "page": _page(request, findings), "query": _query_without_page(request), "now": timezone.now()},
    )


@login_required
@reads_from_replica
def finding_export(request):
    require_role(request.user, (Role.ENTERPRISE, *INSPECTION_ROLES))
    form = forms.FindingFilterForm(request.GET or None)
    findings = selectors.finding_list_visible_to(request.user, form.filters())
    return _export(
        _("督导发现问题"),
        _("督导发现问题及整改"),
        services.FINDING_EXPORT_COLUMNS,
        services.finding_export_rows(findings),
        _("督导发现问题.xlsx"),
    )


@login_required
def finding_detail(request, pk: int):
    finding = selectors.finding_get_for_user_or_404(request.user, pk)
    actions = services.finding_actions(finding, request.user)
    return render(
        request,
        "supervision/finding_detail.html",
        {
            "finding": finding,
            "events": finding.events.select_related("actor"),
            "now": timezone.now(),
            "forms": {action: forms.FINDING_ACTION_FORMS[action](prefix=action) for action in actions},
            "may_cite": request.user.role == Role.COMMANDER,
        },
    )


FINDING_ACTIONS = {
    "report": lambda f, user, text: services.finding_report_rectification(
        finding=f, reported_by=user, rectification=text
    ),
    "accept": lambda f, user, text: services.finding_accept(finding=f, reinspected_by=user, comment=text),
    "reopen": lambda f, user, text: services.finding_reopen(finding=f, reinspected_by=user, reason=text),
}


def _act(request, obj, action: str, *, form_classes, actions, done, detail: str):
    """A workflow step posted from a detail page: the form's text goes to the step's service."""
    form = form_classes[action](request.POST, prefix=action)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(detail, pk=obj.pk)
    try:
        actions[action](obj, request.user, form.cleaned_data["text"])
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, done[action])
    return redirect(detail, pk=obj.pk)


@require_POST
@login_required
def finding_act(request, pk: int, action: str):
    finding = selectors.finding_get_for_user_or_404(request.user, pk)
    if action not in FINDING_ACTIONS:
        raise Http404
    return _act(
        request,
        finding,
        action,
        form_classes=forms.FINDING_ACTION_FORMS,
        actions=FINDING_ACTIONS,
        done=MSG_FINDING_DONE,
        detail="supervision:finding_detail",
    )


# --- notices ----------------------------------------------------------------------------------------


@login_required
def notice_list(request):
    require_role(request.user, NOTICE_READERS)
    status = request.GET.get("status", "")
    notices = selectors.notice_list_visible_to(request.user, status if status in Notice.Status.values else "")
    return render(
        request,
        "supervision/notice_list.html",
        {
            "page": _page(request, notices),
            "query": _query_without_page(request),
            "status": status,
            "statuses": forms.NOTICE_STATUS_CHOICES,
            "may_draft": request.user.role == Role.COMMANDER,
        },
    )


@login_required
@reads_from_replica
def notice_export(request):
    require_role(request.user, NOTICE_READERS)
    notices = selectors.notice_list_visible_to(
        request.user, request.GET.get("status", "") if request.GET.get("status") in Notice.Status.values else ""
    )
    return _export(
        _("通报"), _("通报"), services.NOTICE_EXPORT_COLUMNS, services.notice_export_rows(notices), _("通报.xlsx")
    )


def _subjects(formset) -> list:
    return [
        services.SubjectData(**form.cleaned_data)
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


def _notice_form_page(request, notice: Notice | None):
    require_role(request.user, (Role.COMMANDER,))
    chosen = [int(pk) for pk in request.GET.getlist("finding") if pk.isdigit()]
    if notice is not None:
        chosen += list(notice.findings.values_list("pk", flat=True))
        initial = {"title": notice.title, "body": notice.body, "findings": chosen}
        subjects_initial = [
            {
                "failing": s.failing,
                "district": s.district_id,
                "unit_name": s.unit_name,
                "person_name": s.person_name,
                "person_title": s.person_title,
                "facts": s.facts,
            }
            for s in notice.subjects.all()
        ]
    else:
        initial, subjects_initial = {"findings": chosen}, None
    form = forms.NoticeForm(request.POST or None, user=request.user, chosen_ids=chosen, initial=initial)
    formset = forms.SubjectFormSet(request.POST or None, prefix="subjects", initial=subjects_initial)
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                if notice is None:
                    notice = services.notice_draft_create(
                        drafted_by=request.user,
                        title=data["title"],
                        body=data["body"],
                        subjects=_subjects(formset),
                        findings=data["findings"],
                    )
                else:
                    services.notice_draft_update(
                        notice=notice,
                        updated_by=request.user,
                        title=data["title"],
                        body=data["body"],
                        subjects=_subjects(formset),
                        findings=data["findings"],
                    )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, MSG_NOTICE_SAVED)
                return redirect("supervision:notice_detail", pk=notice.pk)
        messages.error(request, MSG_FIX_FORM)
    return render(request, "supervision/notice_form.html", {"form": form, "formset": formset, "notice": notice})


@login_required
def notice_new(request):
    return _notice_form_page(request, None)


@login_required
def notice_edit(request, pk: int):
    notice = selectors.notice_get_for_user_or_404(request.user, pk)
    require_role(request.user, (Role.COMMANDER,))
    if notice.status != Notice.Status.DRAFT or notice.drafted_by_id != request.user.pk:
        messages.error(
            request,
            services.MSG_NOTICE_NOT_DRAFTER
            if notice.status == Notice.Status.DRAFT
            else services.MSG_NOTICE_ILLEGAL % {"status": notice.get_status_display()},
        )
        return redirect("supervision:notice_detail", pk=pk)
    return _notice_form_page(request, notice)


@login_required
def notice_detail(request, pk: int):
    notice = selectors.notice_get_for_user_or_404(request.user, pk)
    services.notice_mark_read(notice=notice, user=request.user)
    actions = services.notice_actions(notice, request.user)
    return render(
        request,
        "supervision/notice_detail.html",
        {
            "notice": notice,
            **selectors.notice_detail_relations(notice),
            "forms": {action: forms.NOTICE_ACTION_FORMS[action](prefix=action) for action in actions},
            "may_edit": notice.status == Notice.Status.DRAFT and notice.drafted_by_id == request.user.pk,
            "is_commander": request.user.role == Role.COMMANDER,
        },
    )


NOTICE_ACTIONS = {
    "submit": lambda n, user, text: services.notice_submit(notice=n, submitted_by=user),
    "publish": lambda n, user, text: services.notice_publish(notice=n, approved_by=user, comment=text),
    "return": lambda n, user, text: services.notice_return(notice=n, returned_by=user, comment=text),
    "withdraw": lambda n, user, text: services.notice_withdraw(notice=n, withdrawn_by=user, reason=text),
}


@require_POST
@login_required
def notice_act(request, pk: int, action: str):
    notice = selectors.notice_get_for_user_or_404(request.user, pk)
    if action not in NOTICE_ACTIONS:
        raise Http404
    require_role(request.user, (Role.COMMANDER,))
    return _act(
        request,
        notice,
        action,
        form_classes=forms.NOTICE_ACTION_FORMS,
        actions=NOTICE_ACTIONS,
        done=MSG_NOTICE_DONE,
        detail="supervision:notice_detail",
    )


@login_required
def notice_print(request, pk: int):
    """The printable page of a published (or withdrawn) notice, for commanders."""
    notice = selectors.notice_get_for_user_or_404(request.user, pk)
    require_role(request.user, (Role.COMMANDER, Role.ADMIN))
    if notice.number is None:
        raise Http404
    return render(
        request, "supervision/notice_print.html", {"notice": notice, **selectors.notice_detail_relations(notice)}
    )


# --- figures for the dashboards (htmx blocks) ----------------------------------------------------------


@login_required
def figures_city(request):
    require_role(request.user, (Role.COMMANDER, Role.ADMIN))
    return render(request, "supervision/_figures.html", {**selectors.supervision_figures_cached(), "by_district": True})


@login_required
def figures_district(request, pk: int):
    district = selectors.district_for_figures_or_404(request.user, pk)
    return render(
        request,
        "supervision/_figures.html",
        {**selectors.supervision_figures_cached(district_id=district.pk), "by_district": False, "district": district},
    )
