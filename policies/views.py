from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import STAFF_ROLES, require_role
from core import uploads
from core.downloads import xlsx_response
from core.forms import error_text
from core.replica import reads_from_replica
from policies import selectors, services
from policies.figures_export import figures_workbook
from policies.forms import AnswerForm, ApplicationForm, DecisionForm, PayoutForm, QueueFilterForm, WithdrawForm
from policies.models import AnswerTopic, PolicyApplication
from policies.selectors import QueueFilters

PAGE_SIZE = 50
ANSWER_EDITORS = (Role.ADMIN, Role.COMMANDER)
CATALOGUE_ROLES = (Role.ENTERPRISE, *STAFF_ROLES)


# --- The catalogue ----------------------------------------------------------------------------------


@login_required
def catalogue(request):
    require_role(request.user, CATALOGUE_ROLES)
    context = {}
    if request.user.role == Role.ENTERPRISE:
        eligible, other = selectors.policies_for_enterprise(request.user.enterprise)
        open_by_policy = {
            a.policy_id: a
            for a in selectors.application_list_visible_to(request.user).filter(
                status__in=PolicyApplication.OPEN_STATUSES
            )
        }
        context.update(eligible=[(p, open_by_policy.get(p.pk)) for p in eligible], other=other)
    else:
        context["policies"] = list(selectors.policy_catalogue())
    return render(request, "policies/catalogue.html", context)


@login_required
def policy_detail(request, pk: int):
    require_role(request.user, CATALOGUE_ROLES)
    policy = selectors.policy_get_or_404(pk)
    context = {"policy": policy}
    if request.user.role == Role.ENTERPRISE:
        context["reasons"] = selectors.policy_is_eligible(policy, request.user.enterprise)
        context["open_application"] = selectors.application_open_for(request.user.enterprise_id, policy.pk)
    return render(request, "policies/policy_detail.html", context)


# --- Enterprise: apply, resubmit ------------------------------------------------------------------


def _application_data(form: ApplicationForm) -> services.ApplicationData:
    data = form.cleaned_data
    return services.ApplicationData(
        contact_name=data["contact_name"],
        contact_mobile=data["contact_mobile"],
        stated_headcount=data.get("stated_headcount"),
        stated_figure=data.get("stated_figure"),
        statement=data.get("statement", ""),
        bank_name=data.get("bank_name", ""),
        account_name=data.get("account_name", ""),
        account_number=data.get("account_number", ""),
    )


@login_required
def apply(request, pk: int):
    require_role(request.user, (Role.ENTERPRISE,))
    policy = selectors.policy_get_or_404(pk)
    enterprise = request.user.enterprise
    existing = selectors.application_open_for(enterprise.pk, policy.pk)
    if existing is not None:
        messages.info(request, _("本企业已申请该政策, 以下是申请的办理情况。"))
        return redirect("policies:application", pk=existing.pk)
    reasons = selectors.policy_is_eligible(policy, enterprise)
    if reasons or not policy.accepts_applications:
        messages.error(
            request,
            str(services.MSG_NOT_ACCEPTING)
            if not policy.accepts_applications
            else str(services.MSG_NOT_ELIGIBLE % {"reasons": "; ".join(map(str, reasons))}),
        )
        return redirect("policies:detail", pk=policy.pk)
    initial = {
        "contact_name": enterprise.contact_name,
        "contact_mobile": enterprise.contact_mobile,
        "stated_headcount": enterprise.headcount,
        "account_name": enterprise.name,
    }
    form = ApplicationForm(request.POST or None, request.FILES or None, policy=policy, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.policy_application_submit(
                policy=policy,
                enterprise=enterprise,
                submitted_by=request.user,
                data=_application_data(form),
                files=form.cleaned_data["materials"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("申请已提交, 请留意审核进度。"))
            return redirect("policies:application", pk=application.pk)
    return render(request, "policies/apply.html", {"policy": policy, "form": form})


@login_required
def resubmit(request, pk: int):
    application = selectors.application_get_for_user_or_404(request.user, pk)
    require_role(request.user, (Role.ENTERPRISE,))
    if application.status != PolicyApplication.Status.RETURNED:
        messages.info(request, _("只有退回补正的申请可以修改后重新提交。"))
        return redirect("policies:application", pk=application.pk)
    fields = (
        "stated_headcount",
        "stated_figure",
        "statement",
        "bank_name",
        "account_name",
        "account_number",
        "contact_name",
        "contact_mobile",
    )
    form = ApplicationForm(
        request.POST or None,
        request.FILES or None,
        policy=application.policy,
        resubmit=True,
        initial={name: getattr(application, name) for name in fields},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_application_resubmit(
                application=application,
                resubmitted_by=request.user,
                data=_application_data(form),
                files=form.cleaned_data["materials"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已重新提交。"))
            return redirect("policies:application", pk=application.pk)
    return render(
        request, "policies/apply.html", {"policy": application.policy, "form": form, "application": application}
    )


@login_required
def my_applications(request):
    require_role(request.user, (Role.ENTERPRISE,))
    applications = selectors.application_list_visible_to(request.user).select_related("payout")
    return render(request, "policies/my_applications.html", {"applications": applications[:100]})


# --- Everyone in scope: the application page ------------------------------------------------------


@login_required
def application_detail(request, pk: int):
    application = selectors.application_get_for_user_or_404(request.user, pk)
    user = request.user
    reviewer = services.may_review(user, application)
    context = {
        "application": application,
        "reviewer": reviewer,
        "show_account": reviewer or user.role == Role.ENTERPRISE,
        **selectors.application_detail_relations(application),
    }
    if reviewer and application.status == PolicyApplication.Status.SUBMITTED:
        context["decision_form"] = DecisionForm(application=application)
    if reviewer and application.status == PolicyApplication.Status.APPROVED and application.policy.pays_money:
        context["payout_form"] = PayoutForm(application=application, today=timezone.localdate())
    return render(request, "policies/application_detail.html", context)


@login_required
def material_file(request, pk: int):
    material = selectors.application_material_get_for_user_or_404(request.user, pk)
    inline = request.GET.get("download") != "1"
    return uploads.file_response(
        material.file, kind=material.file_kind, download_name=material.original_name, inline=inline
    )


# --- Reviewing department: decide and record the payout --------------------------------------------


@require_POST
@login_required
def decide(request, pk: int):
    application = selectors.application_get_for_user_or_404(request.user, pk)
    require_role(request.user, (Role.DISTRICT_STAFF, Role.AUTHORITY_STAFF))
    form = DecisionForm(request.POST, application=application)
    if not form.is_valid():
        messages.error(request, _("请选择审核结果。"))
        return redirect("policies:application", pk=application.pk)
    action, comment = form.cleaned_data["action"], form.cleaned_data["comment"]
    try:
        if action == "approve":
            services.policy_application_approve(
                application=application,
                approved_by=request.user,
                amount=form.cleaned_data.get("amount"),
                comment=comment,
            )
        elif action == "return":
            services.policy_application_return(application=application, returned_by=request.user, reason=comment)
        else:
            services.policy_application_reject(application=application, rejected_by=request.user, reason=comment)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("policies:application", pk=application.pk)
    messages.success(request, _("已处理 %(enterprise)s 的申请。") % {"enterprise": application.enterprise.name})
    return redirect("policies:queue")


@require_POST
@login_required
def payout(request, pk: int):
    application = selectors.application_get_for_user_or_404(request.user, pk)
    require_role(request.user, (Role.DISTRICT_STAFF, Role.AUTHORITY_STAFF))
    form = PayoutForm(request.POST, application=application, today=timezone.localdate())
    if not form.is_valid():
        messages.error(request, _("请填写兑付日期、金额和凭证号。"))
        return redirect("policies:application", pk=application.pk)
    try:
        record = services.payout_record(application=application, recorded_by=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("已登记提前兑付。") if record.is_early else _("已登记兑付。"))
    return redirect("policies:application", pk=application.pk)


def _queue_filters(request) -> tuple[QueueFilterForm, QueueFilters]:
    form = QueueFilterForm(request.GET or None, user=request.user)
    if not form.is_bound or not form.is_valid():
        return form, QueueFilters()
    data = form.cleaned_data
    return form, QueueFilters(
        status=data["status"],
        policy=data["policy"].pk if data.get("policy") else None,
        district=data["district"].pk if data.get("district") else None,
        q=data["q"].strip(),
        overdue_before=timezone.now() if data["overdue"] else None,
    )


@login_required
def queue(request):
    require_role(request.user, STAFF_ROLES)
    form, filters = _queue_filters(request)
    applications = selectors.application_queue_visible_to(request.user, filters)
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "policies/queue.html", {"form": form, "page": page, "query": query.urlencode(), "now": timezone.now()}
    )


# --- Figures (commanders, and each department its own) ---------------------------------------------


@login_required
def figures(request):
    require_role(request.user, STAFF_ROLES)
    return render(request, "policies/figures.html", {"figures": selectors.policy_figures(request.user)})


@login_required
@reads_from_replica
def figures_export(request):
    require_role(request.user, STAFF_ROLES)
    content = figures_workbook(selectors.policy_figures(request.user), at=timezone.localtime())
    return xlsx_response(content, _("惠企政策兑付情况.xlsx"))


# --- Official policy answers: public, and the editors' pages --------------------------------------


def answers(request):
    q = request.GET.get("q", "").strip()[:100]
    topic = request.GET.get("topic", "")
    topic = topic if topic in AnswerTopic.values else ""
    found = selectors.policy_answers_published(q, topic)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "policies/answers.html",
        {
            "page": page,
            "q": q,
            "topic": topic,
            "topics": AnswerTopic.choices,
            "can_edit": getattr(request.user, "role", None) in ANSWER_EDITORS,
        },
    )


def answer_detail(request, pk: int):
    answer = selectors.policy_answer_get_or_404(pk)
    return render(
        request,
        "policies/answer_detail.html",
        {
            "answer": answer,
            "versions": list(answer.versions.all()),
            "can_edit": getattr(request.user, "role", None) in ANSWER_EDITORS,
        },
    )


@login_required
def answers_manage(request):
    require_role(request.user, ANSWER_EDITORS)
    q = request.GET.get("q", "").strip()[:100]
    page = Paginator(selectors.policy_answers_all(q), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "policies/answers_manage.html", {"page": page, "q": q})


@login_required
def answer_create(request):
    require_role(request.user, ANSWER_EDITORS)
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            answer = services.policy_answer_publish(
                topic=data["topic"],
                question=data["question"],
                body=data["body"],
                source_document=data["source_document"],
                published_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已发布。"))
            return redirect("policies:answer", pk=answer.pk)
    return render(request, "policies/answer_form.html", {"form": form})


@login_required
def answer_revise(request, pk: int):
    require_role(request.user, ANSWER_EDITORS)
    answer = selectors.policy_answer_get_or_404(pk)
    current = answer.current
    initial = {"question": current.question, "body": current.body, "source_document": current.source_document}
    form = AnswerForm(request.POST or None, initial=initial, revising=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.policy_answer_revise(
                answer=answer,
                question=data["question"],
                body=data["body"],
                source_document=data["source_document"],
                change_note=data["change_note"],
                revised_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已发布修订版本, 此前的版本保留在修订记录中。"))
            return redirect("policies:answer", pk=answer.pk)
    return render(request, "policies/answer_form.html", {"form": form, "answer": answer})


@require_POST
@login_required
def answer_withdraw(request, pk: int):
    require_role(request.user, ANSWER_EDITORS)
    answer = selectors.policy_answer_get_or_404(pk)
    form = WithdrawForm(request.POST)
    try:
        services.policy_answer_withdraw(answer=answer, withdrawn_by=request.user, reason=form.data.get("reason", ""))
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("已撤回。"))
    return redirect("policies:answer", pk=answer.pk)
