"""Return passes: the enterprise applies, the issuing district decides, both follow each pass.

Every object comes through a scoped selector (out of scope = 404); role gates and the services'
actor checks raise PermissionDenied, which Django answers with 403.
"""

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import require_role
from core.downloads import xlsx_response
from core.logging import personal_data_log
from core.replica import reads_from_replica
from passes.forms_passes import (
    BatchDecisionForm,
    OptionalReasonForm,
    PassApplyForm,
    PassFilterForm,
    ReasonForm,
    ReissueForm,
    RevokeForm,
)
from passes.models import ReturnPass
from passes.personal_data import mask_name
from passes.selectors import return_passes as selectors
from passes.services import exports
from passes.services import return_passes as services
from passes.services.pass_links import LINKABLE_STATUSES

PAGE_SIZE = 50
PRINT_ROLES = (Role.ENTERPRISE, Role.DISTRICT_STAFF)  # who may open a card (selectors.may_open_card)
SHEET_CARDS_PER_PAGE = 8
SHEET_MAX_PASSES = 400  # 50 sheets; a larger print is split by filtering the list
EXPORT_FILENAME = _("返岗员工通行证-%(day)s.xlsx")
APPLY_PAGE_SIZE = 200
REPORT_LIMIT = 20  # skipped passes named one by one in the messages; the rest are counted
S = ReturnPass.Status
LIST_ROLES = (Role.ENTERPRISE, Role.DISTRICT_STAFF, Role.CHECKPOINT_STAFF, Role.COMMANDER, Role.ADMIN)
BATCH_ROLES = (Role.ENTERPRISE, Role.DISTRICT_STAFF, Role.COMMANDER, Role.ADMIN)

MSG_APPLIED = _("已提交 %(count)d 名员工的通行证申请, 请等待%(district)s审核。")
MSG_ISSUED = _("已核发 %(count)d 张通行证: %(numbers)s")
MSG_REFUSED = _("已对 %(count)d 张通行证申请作出不予核发决定。")
MSG_SKIPPED = _("%(number)s 未处理: %(reason)s")
MSG_SKIPPED_MORE = _("另有 %(count)d 张未处理, 原因见本批次列表。")
MSG_NOTHING_DONE = _("没有通行证被处理。")
MSG_REVOKED = _("通行证 %(number)s 已吊销, 卡口将显示“已吊销”。")
MSG_SUSPENDED = _("通行证 %(number)s 已暂停使用。")
MSG_REINSTATED = _("通行证 %(number)s 已恢复使用。")
MSG_REISSUED = _("已换发新证 %(number)s, 原证 %(old)s 不再有效。")

QR_ERROR_LEVEL = "m"  # 15 % of the code may be damaged or glared and it still reads


def _error_texts(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


def _numbers(passes, limit: int = REPORT_LIMIT) -> str:
    shown = "、".join(p.number for p in passes[:limit])
    return shown + ("…" if len(passes) > limit else "")


# --- Lists ----------------------------------------------------------------------------------------


@login_required
def pass_list(request):
    """Each role's passes: the enterprise's own, the district's (issued there or living there), a
    community's, or all for headquarters; filtered by state or by number or name."""
    require_role(request.user, LIST_ROLES)
    form, filters = _pass_filters(request)
    passes = selectors.pass_list_visible_to(request.user, filters)
    page = Paginator(passes, PAGE_SIZE).get_page(request.GET.get("page"))
    for return_pass in page:
        return_pass.display_name = selectors.display_name(request.user, return_pass.worker)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "passes/pass_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "today": timezone.localdate(),
            "can_print": request.user.role in PRINT_ROLES,
            "print_max": SHEET_MAX_PASSES,
        },
    )


def _pass_filters(request) -> tuple[PassFilterForm, selectors.PassFilters]:
    form = PassFilterForm(request.GET or None)
    filters = selectors.PassFilters()
    if form.is_bound and form.is_valid():
        filters = selectors.PassFilters(status=form.cleaned_data["status"], q=form.cleaned_data["q"].strip())
    return form, filters


@login_required
@reads_from_replica
def pass_export(request):
    """The list as a workbook: the same passes and filters, names as the list shows them."""
    require_role(request.user, LIST_ROLES)
    _form, filters = _pass_filters(request)
    passes = selectors.pass_list_visible_to(request.user, filters)
    full_names = selectors.shows_full_names(request.user)
    content = exports.passes_workbook(passes, full_names=full_names)
    if full_names:
        # Workers' names leave the portal: who, and which list (never the search text, which may be a name).
        personal_data_log.info(
            "pass list exported user=%s role=%s status=%r searched=%s",
            request.user.pk,
            request.user.role,
            filters.status,
            bool(filters.q),
        )
    return xlsx_response(content, str(EXPORT_FILENAME % {"day": timezone.localdate().isoformat()}))


@login_required
def pass_sheet(request):
    """Cards to print, eight to an A4 sheet: the passes ticked on the list (`ids`), or every pass the list's
    filters find (`all=1`). Only passes whose card the user may open are printed (the employer's, the issuing
    district's); others are left out, as are passes beyond SHEET_MAX_PASSES."""
    require_role(request.user, PRINT_ROLES)
    if request.GET.get("all") == "1":
        _form, filters = _pass_filters(request)
        ids = None
    else:
        filters = selectors.PassFilters()
        ids = [int(value) for value in request.GET.getlist("ids") if value.isdigit()][: SHEET_MAX_PASSES + 1]
    passes = list(selectors.passes_printable_by(request.user, filters, ids=ids)[: SHEET_MAX_PASSES + 1])
    too_many = len(passes) > SHEET_MAX_PASSES
    passes = passes[:SHEET_MAX_PASSES]
    cards = [card_context(request, return_pass) for return_pass in passes]
    pages = [cards[start : start + SHEET_CARDS_PER_PAGE] for start in range(0, len(cards), SHEET_CARDS_PER_PAGE)]
    return render(
        request,
        "passes/pass_sheet.html",
        {"pages": pages, "count": len(cards), "too_many": too_many, "max": SHEET_MAX_PASSES},
    )


@login_required
def batch_list(request):
    require_role(request.user, BATCH_ROLES)
    page = Paginator(selectors.batch_list_visible_to(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "passes/batch_list.html", {"page": page, "query": ""})


@login_required
def batch_queue(request):
    """The issuing district's queue: batches with passes waiting, oldest first."""
    require_role(request.user, (Role.DISTRICT_STAFF,))
    page = Paginator(selectors.batch_queue_for_district(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "passes/batch_queue.html", {"page": page, "query": ""})


# --- Enterprise: apply ----------------------------------------------------------------------------


@login_required
def pass_apply(request):
    require_role(request.user, (Role.ENTERPRISE,))
    enterprise = request.user.enterprise
    form = PassApplyForm(request.POST or None, enterprise=enterprise)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.return_pass_apply(
                enterprise=enterprise,
                workers=list(form.cleaned_data["workers"]),
                applied_by=request.user,
                note=form.cleaned_data["note"],
                submission_key=form.cleaned_data["submission_key"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            count = batch.passes.count()
            messages.success(request, MSG_APPLIED % {"count": count, "district": enterprise.district.name})
            return redirect("passes:batch_detail", pk=batch.pk)
    today = timezone.localdate()
    eligible, left_out = selectors.applicable_workers(enterprise, today)
    q = request.GET.get("q", "").strip()
    if q:
        eligible = [worker for worker in eligible if q in worker.name]
    page = Paginator(eligible, APPLY_PAGE_SIZE).get_page(request.GET.get("page"))
    selected = {str(value) for value in form["workers"].value() or ()}
    return render(
        request,
        "passes/pass_apply.html",
        {
            "form": form,
            "page": page,
            "left_out": left_out,
            "selected": selected,
            "today": today,
            "q": q,
            "query": f"q={q}" if q else "",
            "enterprise": enterprise,
        },
    )


# --- Batches: the district decides ----------------------------------------------------------------


def _batch_page(request, batch, form: BatchDecisionForm | None = None):
    passes = selectors.batch_passes(request.user, batch)
    applied = [p for p in passes if p.status == S.APPLIED]
    today = timezone.localdate()
    decisions = selectors.eligibility_today([p.worker for p in applied], today) if applied else {}
    for return_pass in passes:
        return_pass.display_name = selectors.display_name(request.user, return_pass.worker)
        return_pass.eligibility = decisions.get(return_pass.worker_id) if return_pass.status == S.APPLIED else None
    can_decide = any(selectors.is_issuer(request.user, p) for p in applied)
    if can_decide and form is None:
        form = BatchDecisionForm(pass_ids=[p.pk for p in passes])
    selected = {str(value) for value in (form["passes"].value() or ())} if form is not None and form.is_bound else set()
    counts = {label: sum(1 for p in passes if p.status == value) for value, label in S.choices}
    return render(
        request,
        "passes/batch_detail.html",
        {
            "batch": batch,
            "passes": passes,
            "form": form if can_decide else None,
            "can_decide": can_decide,
            "selected": selected,
            "counts": {k: v for k, v in counts.items() if v},
            "today": today,
            "max_days": settings.PASS_VALIDITY_MAX_DAYS,
        },
    )


@login_required
def batch_detail(request, pk: int):
    batch = selectors.batch_get_for_user_or_404(request.user, pk)
    require_role(request.user, BATCH_ROLES)
    return _batch_page(request, batch)


@require_POST
@login_required
def batch_decide(request, pk: int):
    """Issue the chosen passes with a validity, or refuse them with a reason, in one action; report
    what was done and what was skipped and why (decided meanwhile, or no longer eligible)."""
    batch = selectors.batch_get_for_user_or_404(request.user, pk)
    require_role(request.user, (Role.DISTRICT_STAFF,))
    passes = selectors.batch_passes(request.user, batch)
    form = BatchDecisionForm(request.POST, pass_ids=[p.pk for p in passes])
    if not form.is_valid():
        return _batch_page(request, batch, form)
    data = form.cleaned_data
    try:
        if data["action"] == BatchDecisionForm.ISSUE:
            result = services.return_pass_issue(
                pass_ids=data["passes"],
                issued_by=request.user,
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
            )
        else:
            result = services.return_pass_refuse(
                pass_ids=data["passes"], refused_by=request.user, reason=data["reason"]
            )
    except ValidationError as error:
        form.add_error(None, error)
        return _batch_page(request, batch, form)
    _report(request, result, issued=data["action"] == BatchDecisionForm.ISSUE)
    return redirect("passes:batch_detail", pk=batch.pk)


def _report(request, result: services.BatchResult, *, issued: bool) -> None:
    if result.done:
        if issued:
            messages.success(request, MSG_ISSUED % {"count": len(result.done), "numbers": _numbers(result.done)})
        else:
            messages.success(request, MSG_REFUSED % {"count": len(result.done)})
    elif not result.skipped:
        messages.info(request, MSG_NOTHING_DONE)
    for return_pass, reason in result.skipped[:REPORT_LIMIT]:
        messages.warning(request, MSG_SKIPPED % {"number": return_pass.number, "reason": reason})
    if len(result.skipped) > REPORT_LIMIT:
        messages.warning(request, MSG_SKIPPED_MORE % {"count": len(result.skipped) - REPORT_LIMIT})


# --- One pass ---------------------------------------------------------------------------------------


@login_required
def pass_detail(request, pk: int):
    return_pass = selectors.pass_get_for_user_or_404(request.user, pk)
    require_role(request.user, LIST_ROLES)
    relations = selectors.pass_detail_relations(return_pass)
    context = {
        "pass": return_pass,
        **relations,
        "display_name": selectors.display_name(request.user, return_pass.worker),
        "can_open_card": selectors.may_open_card(request.user, return_pass),
        "can_open_batch": selectors.may_open_batch(request.user, return_pass),
        "today": timezone.localdate(),
    }
    if selectors.is_issuer(request.user, return_pass):
        status = return_pass.status
        if status == S.VALID:
            context["suspend_form"] = ReasonForm(prefix="suspend")
        if status == S.SUSPENDED:
            context["reinstate_form"] = OptionalReasonForm(prefix="reinstate")
        if status in (S.VALID, S.SUSPENDED):
            context["revoke_form"] = RevokeForm(prefix="revoke")
        if status in (S.VALID, S.SUSPENDED, S.REVOKED, S.EXPIRED) and relations["reissued_as"] is None:
            context["reissue_form"] = ReissueForm(prefix="reissue")
    context["can_send_link"] = (
        request.user.role == Role.ENTERPRISE
        and return_pass.status in LINKABLE_STATUSES
        and relations["reissued_as"] is None
    )
    return render(request, "passes/pass_detail.html", context)


def _pass_action(request, pk: int, form_class, prefix: str, call, done_message):
    """Load the pass in scope, gate the role, validate the form, call the service, say what happened."""
    return_pass = selectors.pass_get_for_user_or_404(request.user, pk)
    require_role(request.user, (Role.DISTRICT_STAFF,))
    form = form_class(request.POST, prefix=prefix)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("passes:detail", pk=return_pass.pk)
    try:
        changed = call(return_pass, form.cleaned_data)
    except ValidationError as error:
        for text in _error_texts(error):
            messages.error(request, text)
        return redirect("passes:detail", pk=return_pass.pk)
    messages.success(request, done_message % {"number": changed.number, "old": return_pass.number})
    return redirect("passes:detail", pk=changed.pk)


@require_POST
@login_required
def pass_revoke(request, pk: int):
    return _pass_action(
        request,
        pk,
        RevokeForm,
        "revoke",
        lambda p, data: services.return_pass_revoke(return_pass=p, revoked_by=request.user, reason=data["reason"]),
        MSG_REVOKED,
    )


@require_POST
@login_required
def pass_suspend(request, pk: int):
    return _pass_action(
        request,
        pk,
        ReasonForm,
        "suspend",
        lambda p, data: services.return_pass_suspend(return_pass=p, suspended_by=request.user, reason=data["reason"]),
        MSG_SUSPENDED,
    )


@require_POST
@login_required
def pass_reinstate(request, pk: int):
    return _pass_action(
        request,
        pk,
        OptionalReasonForm,
        "reinstate",
        lambda p, data: services.return_pass_reinstate(
            return_pass=p, reinstated_by=request.user, reason=data["reason"]
        ),
        MSG_REINSTATED,
    )


@require_POST
@login_required
def pass_reissue(request, pk: int):
    return _pass_action(
        request,
        pk,
        ReissueForm,
        "reissue",
        lambda p, data: services.return_pass_reissue(
            return_pass=p, reissued_by=request.user, valid_from=data["valid_from"], valid_until=data["valid_until"]
        ),
        MSG_REISSUED,
    )


# --- The pass itself: printable card and phone page ----------------------------------------------------


def verify_url(request, return_pass: ReturnPass) -> str:
    return request.build_absolute_uri(reverse("passes:verify", args=[return_pass.token]))


def qr_svg(data: str) -> str:
    """The QR code as inline SVG. segno draws with presentation attributes (stroke, fill), never a
    style attribute, so it passes the strict CSP; its size comes from CSS through the viewBox."""
    qr = segno.make(data, error=QR_ERROR_LEVEL)
    svg = qr.svg_inline(
        scale=1, border=4, dark="#000", light="#fff", omitsize=True, svgclass="pass-qr-code", lineclass=None
    )
    return mark_safe(svg)  # noqa: S308 - segno's own markup: path data from the URL's bits, no text of ours inside


def _card_context(request, pk: int) -> dict:
    return_pass = selectors.pass_get_for_user_or_404(request.user, pk)
    if not selectors.may_open_card(request.user, return_pass):
        raise PermissionDenied
    return card_context(request, return_pass)


def card_context(request, return_pass: ReturnPass) -> dict:
    """What the card shows, whoever opens it: the printed card, the phone page and the worker's own link."""
    today = timezone.localdate()
    presentable = return_pass.status == S.VALID and return_pass.valid_until >= today
    context = {
        "pass": return_pass,
        "masked_name": mask_name(return_pass.worker.name),
        "presentable": presentable,
        "not_yet": presentable and return_pass.valid_from > today,
        "today": today,
        "date_expired": return_pass.status == S.VALID and return_pass.valid_until < today,
    }
    if presentable:
        url = verify_url(request, return_pass)
        context.update(qr_svg=qr_svg(url), verify_url=url)
    return context


@login_required
def pass_card(request, pk: int):
    """An A6 card to print (the print CSS sets the page size)."""
    return render(request, "passes/pass_card.html", _card_context(request, pk))


@login_required
def pass_phone(request, pk: int):
    """The same pass sized for a phone: the worker shows it at the checkpoint."""
    return render(request, "passes/pass_phone.html", _card_context(request, pk))
