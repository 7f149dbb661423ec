import logging
from datetime import date

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
from accounts.permissions import require_role
from core import excel
from core.downloads import xlsx_response
from core.forms import ExcelUploadForm
from core.replica import reads_from_replica
from labour.selectors import shortage_of
from reference.models import District
from workforce import selectors, services
from workforce import workbook as workbook_module
from workforce.forms import CapacityReportForm, WorkforceReportForm
from workforce.services import CAPACITY_FIELDS, REPORT_FIELDS
from workforce.tasks import build_daily_summary

logger = logging.getLogger(__name__)

STATUS_ROLES = (Role.DISTRICT_STAFF, Role.COMMANDER, Role.ADMIN)
# Also what a second, simultaneous submit of the same report is told: it updated the one report.
MSG_REPORT_SAVED = _lazy("今日用工情况日报已保存。")
MSG_CAPACITY_SAVED = _lazy("今日产能日报已保存。")

MSG_EXPORT_DAY = _lazy("请选择今天或以前的日期(格式 2020-02-10)。")
MSG_REMIND_NOBODY = _lazy("今日应报企业都已填报, 无需提醒。")
MSG_REMINDED = _lazy(
    "今日未报企业 %(enterprises)d 家: 已向其中 %(reached)d 家的 %(accounts)d 个企业账号发送站内提醒, "
    "其中 %(emails)d 个账号同时发送了邮件。"
)
MSG_REMIND_NO_ACCOUNT = _lazy("%(count)d 家未报企业没有可登录的账号(尚未注册, 或账号未启用), 收不到提醒, 请电话联系。")
MSG_REMIND_NO_EMAIL = _lazy("%(count)d 个企业账号没有填写邮箱, 只收到站内提醒。")


def _save_form(request, form, save, fields) -> bool:
    try:
        save(data={name: form.cleaned_data[name] for name in fields})
    except ValidationError as error:
        form.add_error(None, error)
        return False
    return True


@login_required
def report(request):
    """The enterprise's daily report for today, pre-filled from yesterday's, and its capacity report."""
    require_role(request.user, (Role.ENTERPRISE,))
    enterprise, today = request.user.enterprise, timezone.localdate()
    todays, yesterdays = selectors.report_prefill(enterprise, today)
    initial = {name: getattr(yesterdays, name) for name in REPORT_FIELDS} if yesterdays and not todays else None
    form = WorkforceReportForm(request.POST or None, instance=todays, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and _save_form(
            request,
            form,
            lambda data: services.workforce_report_save(
                enterprise=enterprise, day=today, data=data, saved_by=request.user
            ),
            REPORT_FIELDS,
        )
    ):
        messages.success(request, MSG_REPORT_SAVED)
        return redirect("workforce:report")
    capacity_form = None
    if enterprise.is_above_scale:
        previous = selectors.capacity_prefill(enterprise, today)
        capacity_form = CapacityReportForm(
            instance=previous if previous and previous.day == today else None,
            initial={name: getattr(previous, name) for name in CAPACITY_FIELDS} if previous else None,
        )
    return render(
        request,
        "workforce/report.html",
        {
            "form": form,
            "capacity_form": capacity_form,
            "report": todays,
            "today": today,
            "cutoff": services.report_cutoff(today),
            "prefilled": initial is not None,
            # The shortage is not typed into the report: it is what the enterprise's open positions still lack.
            "shortage": shortage_of(enterprise.pk),
        },
    )


@require_POST
@login_required
def capacity(request):
    require_role(request.user, (Role.ENTERPRISE,))
    enterprise, today = request.user.enterprise, timezone.localdate()
    previous = selectors.capacity_prefill(enterprise, today)
    form = CapacityReportForm(request.POST, instance=previous if previous and previous.day == today else None)
    if form.is_valid() and _save_form(
        request,
        form,
        lambda data: services.capacity_report_save(enterprise=enterprise, day=today, data=data, saved_by=request.user),
        CAPACITY_FIELDS,
    ):
        messages.success(request, MSG_CAPACITY_SAVED)
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("workforce:report")


def _status_district(request) -> int | None:
    """District staff see their district; commanders may pick one (or the whole city)."""
    if request.user.district_id:
        return request.user.district_id
    value = request.GET.get("district", "")
    return int(value) if value.isdigit() else None


@login_required
def reporting_status(request):
    """Who has not reported today, told apart from those who reported zero."""
    require_role(request.user, STATUS_ROLES)
    today = timezone.localdate()
    district_id = _status_district(request)
    status = selectors.reporting_status(request.user, today, district_id)
    page = Paginator(status.pop("not_reported"), 100).get_page(request.GET.get("page"))
    return render(
        request,
        "workforce/status.html",
        {
            **status,
            "page": page,
            "today": today,
            "cutoff": services.report_cutoff(today),
            "districts": District.objects.all() if not request.user.district_id else None,
            "district_id": district_id,
            "query": f"district={district_id}" if district_id and not request.user.district_id else "",
            "district_query": district_id if district_id and not request.user.district_id else "",
        },
    )


@login_required
@reads_from_replica
def not_reported_export(request):
    """The enterprises of the user's scope without a daily report on a chosen day (today by default)."""
    require_role(request.user, STATUS_ROLES)
    today = timezone.localdate()
    text = request.GET.get("day", "").strip()
    try:
        day = date.fromisoformat(text) if text else today
    except ValueError:
        day = None
    if day is None or day > today:
        messages.error(request, MSG_EXPORT_DAY)
        return redirect("workforce:status")
    district_id = _status_district(request)
    district = District.objects.filter(pk=district_id).only("name").first() if district_id else None
    enterprises = selectors.not_reported_visible_to(request.user, day, district_id)
    area = district.name if district else _("全市")
    content = workbook_module.not_reported_workbook(enterprises, day=day, area=area)
    return xlsx_response(content, _("未报日报企业-%(day)s.xlsx") % {"day": day.isoformat()})


@require_POST
@login_required
def remind(request):
    require_role(request.user, (Role.DISTRICT_STAFF, Role.ADMIN))
    today, district_id = timezone.localdate(), request.user.district_id
    reach = selectors.reminder_reach(today, district_id)
    services.workforce_reminders_send(day=today, district_id=district_id)
    for level, message in reminder_messages(reach):
        messages.add_message(request, level, message)
    return redirect("workforce:status")


def reminder_messages(reach: selectors.ReminderReach) -> list[tuple[int, str]]:
    """Whom the reminder reached, and plainly why the others were not (no account, no e-mail)."""
    if not reach.enterprises:
        return [(messages.INFO, str(MSG_REMIND_NOBODY))]
    said = [
        (
            messages.SUCCESS,
            str(
                MSG_REMINDED
                % {
                    "enterprises": reach.enterprises,
                    "reached": reach.reached,
                    "accounts": reach.accounts,
                    "emails": reach.with_email,
                }
            ),
        )
    ]
    if reach.without_account:
        said.append((messages.WARNING, str(MSG_REMIND_NO_ACCOUNT % {"count": reach.without_account})))
    if reach.accounts > reach.with_email:
        said.append((messages.INFO, str(MSG_REMIND_NO_EMAIL % {"count": reach.accounts - reach.with_email})))
    return said


@login_required
def summaries(request):
    require_role(request.user, STATUS_ROLES)
    days = selectors.summary_days_visible_to(request.user)[:60]
    return render(request, "workforce/summaries.html", {"days": days, "today": timezone.localdate()})


@require_POST
@login_required
def rebuild(request):
    """Queue a rebuild of today's summary; with the broker down the page still answers at once."""
    require_role(request.user, (Role.DISTRICT_STAFF, Role.COMMANDER, Role.ADMIN))
    try:
        build_daily_summary.delay(timezone.localdate().isoformat())
    except Exception:  # noqa: BLE001 - any broker failure: the hourly run catches up
        logger.exception("could not queue the daily summary")
        messages.warning(request, _("任务队列暂时不可用, 汇总将在下一次定时生成时更新; 已填报的数据不受影响。"))
    else:
        messages.success(request, _("已安排重新生成今日汇总, 稍后刷新查看。"))
    return redirect("workforce:summaries")


@login_required
def summary_day(request, day: str):
    require_role(request.user, STATUS_ROLES)
    try:
        day_value = date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    rows = selectors.summary_rows_with_change(request.user, day_value)
    if not rows:
        raise Http404
    return render(request, "workforce/summary_day.html", {"day": day_value, "rows": rows})


@login_required
@reads_from_replica
def workbook(request, day: str):
    """District officials download their own district's sheet; commanders the whole workbook."""
    require_role(request.user, STATUS_ROLES)
    from workforce.workbook import daily_summary_workbook

    try:
        day_value = date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    if not selectors.summary_rows_for(request.user, day_value):
        raise Http404
    district = request.user.district if request.user.role == Role.DISTRICT_STAFF else None
    content = daily_summary_workbook(day=day_value, district=district)
    name = _("用工情况汇总-%(day)s.xlsx") % {"day": day_value.isoformat()}
    return xlsx_response(content, name)


@login_required
def import_reports(request):
    """District staff enter today's reports for many enterprises at once (all-or-nothing)."""
    require_role(request.user, (Role.DISTRICT_STAFF,))
    form = ExcelUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "today": timezone.localdate()}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            outcome = services.workforce_import(upload=upload, day=timezone.localdate(), imported_by=request.user)
        except excel.ExcelFileError as error:
            form.add_error("file", error.message)
        else:
            if outcome.result.ok:
                messages.success(request, _("已导入 %(count)d 家企业的今日日报。") % {"count": outcome.saved})
                return redirect("workforce:status")
            context.update(
                excel.import_error_context(
                    user=request.user,
                    upload=upload,
                    columns=outcome.columns,
                    result=outcome.result,
                    filename=_("用工日报导入-错误标注.xlsx"),
                )
            )
    return render(request, "workforce/import.html", context)


@login_required
def import_template(request):
    require_role(request.user, (Role.DISTRICT_STAFF,))
    content = excel.template_workbook(services.workforce_import_columns(), title=_("用工情况日报导入模板"))
    return xlsx_response(content, _("用工情况日报导入模板.xlsx"))
