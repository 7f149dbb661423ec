"""Checkpoint verification: the QR link, the guard's phone page, the check log, and the public keys.

The QR link is public: anyone who scans it learns valid or not valid, nothing about the person, and
is rate limited per address (core.ratelimit); a check made without signing in is logged but counts in
no checkpoint figure (PassCheckQuerySet.at_checkpoints).
Checkpoint and district staff who are signed in see what the token carries (masked name, last four ID
characters, community, valid until, number). Every check is logged by the service, whoever asks.
"""

import json

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.models import Role
from accounts.permissions import require_role
from core.downloads import xlsx_response
from core.ratelimit import limit_per_address
from core.replica import reads_from_replica
from passes import signing
from passes.models import PassCheck
from passes.selectors.checks import pass_check_counts, pass_checks_visible_to
from passes.selectors.entrances import entrances_to_choose
from passes.selectors.revocation_list import revocation_list_json
from passes.services import exports
from passes.services.check_upload import MAX_BATCH, pass_checks_upload
from passes.services.entrances import EntranceRefused, entrance_for_check
from passes.services.return_passes import Verification, return_pass_verify, return_pass_verify_number

# Who sees the details of a pass and uses the checkpoint pages.
CHECKPOINT_ROLES = (Role.CHECKPOINT_STAFF, Role.DISTRICT_STAFF)
PAGE_SIZE = 50
KEYS_MAX_AGE = 3600  # a verifier refetches within the hour, so a retired key drops out quickly
# The scan page needs the camera and nothing else; said explicitly, so a stricter default elsewhere
# (a proxy's header) cannot silently break scanning, and no other device feature is open to the page.
CHECK_PAGE_PERMISSIONS = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"

CHECKS_FILENAME = _("核验记录-%(day)s.xlsx")
MSG_NUMBER_REQUIRED = _("请输入通行证编号。")
MSG_UPLOAD_MALFORMED = _('请求格式不正确: 需要 JSON 对象 {"checks": [...]}, 每批最多 %(max)s 条。')
LABEL_PUBLIC_VALID = _("有效")
LABEL_PUBLIC_INVALID = _("无效")
# The entrance the guard chose for the shift: kept on the phone (static/js/entrance.js writes localStorage and
# this cookie), so that it travels with every check, the QR link opened by the phone's own camera app included.
ENTRANCE_COOKIE = "checkpoint_entrance"

# What the page's script shows when it answers without the server (static/js/checkpoint-offline.js); the
# verdict itself uses the same labels and layout as templates/passes/verify_result.html.
OFFLINE_TEXTS = {
    "name": _("姓名"),
    "idLast4": _("身份证后四位"),
    "idLast4Missing": _("未载明(旧证)"),
    "community": _("居住社区"),
    "validUntil": _("有效期至"),
    "number": _("编号"),
    "elsewhere": _("不是本卡口所在社区。"),
    "noRefusal": _("通行证有效, 不得因此拒绝通行。"),
    "checkedAt": _("核验时间"),
    "offlineCheck": _("离线核验"),
    "staleList": _("请联网更新吊销名单"),
    "clockWrong": _("手机时间可能不准, 有效期按手机时间判断, 请校准时间。"),
    "online": _("在线"),
    "offline": _("离线"),
    "listAge": _("吊销名单更新于 %(age)s前"),
    "listNever": _("尚未下载吊销名单"),
    "minutes": _("%(n)s 分钟"),
    "hours": _("%(n)s 小时"),
    "pending": _("待上传核验记录 %(n)s 条"),
    "refused": _("%(n)s 条核验记录被服务器拒收"),
    "numberOffline": _("离线时无法按编号核验, 请扫码核验。"),
}

# The colour a guard reads at a glance: green go, orange look closer, red stop.
TONES = {
    PassCheck.Result.VALID: "valid",
    PassCheck.Result.EXPIRED: "caution",
    PassCheck.Result.SUSPENDED: "caution",
    PassCheck.Result.REVOKED: "refused",
    PassCheck.Result.INVALID: "refused",
}


class PassNumberForm(forms.Form):
    number = forms.CharField(label=_("通行证编号"), max_length=32, error_messages={"required": MSG_NUMBER_REQUIRED})

    def clean_number(self):
        number = self.cleaned_data["number"].strip()
        if not number:
            raise forms.ValidationError(MSG_NUMBER_REQUIRED, code="required")
        return number


def _sees_details(user) -> bool:
    return user.is_authenticated and user.role in CHECKPOINT_ROLES


def _verdict(verification: Verification, *, detailed: bool, checker=None) -> dict:
    """What the result screen shows: the label and colour, and the token's details for staff only, with a
    word when the holder lives outside the checker's community."""
    elsewhere = False
    if detailed:
        data = verification.for_checkpoint()
        label = PassCheck.Result(verification.status).label
        elsewhere = verification.lives_elsewhere(checker)
    else:
        data = verification.public()
        label = LABEL_PUBLIC_VALID if data["status"] == PassCheck.Result.VALID else LABEL_PUBLIC_INVALID
    return {
        "data": data,
        "label": label,
        "tone": TONES[data["status"]],
        "detailed": detailed,
        "elsewhere": elsewhere,
        "checked_at": timezone.localtime(),
    }


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _entrance(request, sent: str | None) -> int | None:
    """The validated entrance of a staff check (EntranceRefused when it is not one of the guard's open ones)."""
    if not _sees_details(request.user):
        return None
    return entrance_for_check(user=request.user, raw=sent or request.COOKIES.get(ENTRANCE_COOKIE))


def _entrance_refused(request, refusal: EntranceRefused):
    """Nothing is logged; the guard is sent back to choose an entrance (the page's script opens the chooser)."""
    message = str(refusal.message)
    if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
        return JsonResponse(
            {"status": "entrance", "message": message}, status=409, json_dumps_params={"ensure_ascii": False}
        )
    if _is_htmx(request):
        return render(request, "passes/entrance_refused.html", {"message": message})
    return render(request, "passes/verify.html", {"entrance_refused": message}, status=409)


def _public_rate(request) -> str | None:
    """Passers-by are limited per address; the staff scanning at a checkpoint are not, and pay nothing for it."""
    return None if _sees_details(request.user) else settings.PUBLIC_RATE_LIMIT


@require_GET
@never_cache
@vary_on_headers("Accept", "HX-Request")
@limit_per_address(method="GET", rate=_public_rate)
def verify(request, token: str):
    """The URL inside the QR code. HTML by default; JSON when the client prefers application/json."""
    detailed = _sees_details(request.user)
    try:
        entrance_id = _entrance(request, request.GET.get("entrance"))
    except EntranceRefused as refusal:
        return _entrance_refused(request, refusal)
    verification = return_pass_verify(token=token, checked_by=request.user, entrance_id=entrance_id)
    verdict = _verdict(verification, detailed=detailed, checker=request.user)
    if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
        return JsonResponse(verdict["data"], json_dumps_params={"ensure_ascii": False})
    template = "passes/verify_result.html" if _is_htmx(request) else "passes/verify.html"
    return render(request, template, {"verdict": verdict, "token": token})


@require_GET
@login_required
def check(request):
    """The guard's phone page: scan with the camera or type a number; the answer appears below.
    Installable and usable offline (static/js/checkpoint-sw.js): see README, "Offline checks"."""
    require_role(request.user, CHECKPOINT_ROLES)
    return _check_page(request, {"form": PassNumberForm()})


def _offline_settings(user) -> dict:
    """What the page's script needs to verify, label and log a check without the server."""
    return {
        "community": user.community_id,
        "user": user.pk,
        "communityName": user.community.name if user.community_id else "",
        "refreshMinutes": settings.PASS_REVOCATION_REFRESH_MINUTES,
        "staleHours": settings.PASS_REVOCATION_STALE_HOURS,
        "batchSize": MAX_BATCH // 2,
        "labels": {value: str(label) for value, label in PassCheck.Result.choices},
        "tones": {str(value): tone for value, tone in TONES.items()},
        "texts": {key: str(text) for key, text in OFFLINE_TEXTS.items()},
    }


def _with_entrances(request, context: dict) -> dict:
    return {
        **context,
        "entrances": entrances_to_choose(request.user),
        "entrance_cookie": ENTRANCE_COOKIE,
        "current_entrance": request.COOKIES.get(ENTRANCE_COOKIE, ""),
    }


def _check_page(request, context: dict):
    context["offline"] = _offline_settings(request.user)
    response = render(request, "passes/check.html", _with_entrances(request, context))
    response["Permissions-Policy"] = CHECK_PAGE_PERMISSIONS
    return response


@require_POST
@login_required
def check_number(request):
    require_role(request.user, CHECKPOINT_ROLES)
    form = PassNumberForm(request.POST)
    verdict = None
    try:
        entrance_id = _entrance(request, request.POST.get("entrance"))
    except EntranceRefused as refusal:
        return _entrance_refused(request, refusal)
    if form.is_valid():
        verification = return_pass_verify_number(
            number=form.cleaned_data["number"], checked_by=request.user, entrance_id=entrance_id
        )
        verdict = _verdict(verification, detailed=True, checker=request.user)
    if _is_htmx(request):
        return render(request, "passes/verify_result.html", {"verdict": verdict, "form": form})
    # Without JavaScript: the same page again, the answer above an empty form.
    return _check_page(request, {"verdict": verdict, "form": form if verdict is None else PassNumberForm()})


@require_GET
@login_required
def check_log(request):
    """Today's checks at the user's checkpoints: counts by result and by hour, and the list."""
    require_role(request.user, CHECKPOINT_ROLES)
    today = timezone.localdate()
    result = request.GET.get("result", "")
    if result not in PassCheck.Result.values:
        result = ""
    checks = pass_checks_visible_to(request.user, day=today, result=result)
    page = Paginator(checks, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = pass_check_counts(request.user, day=today)
    return render(
        request,
        "passes/checks.html",
        {
            "day": today,
            "page": page,
            "counts": counts,
            "result": result,
            "busy_hours": [(hour, n) for hour, n in counts.by_hour if n],
            "peak": max((n for _hour, n in counts.by_hour), default=0),
            "query": f"result={result}" if result else "",
        },
    )


@require_GET
@login_required
@reads_from_replica
def check_log_export(request):
    """The check log of the page (today's checks at the user's checkpoints, the same result filter)."""
    require_role(request.user, CHECKPOINT_ROLES)
    today = timezone.localdate()
    result = request.GET.get("result", "")
    if result not in PassCheck.Result.values:
        result = ""
    content = exports.checks_workbook(pass_checks_visible_to(request.user, day=today, result=result), day=today)
    return xlsx_response(content, str(CHECKS_FILENAME % {"day": today.isoformat()}))


@require_GET
@cache_control(public=True, max_age=KEYS_MAX_AGE)
def keys(request):
    """The public keys (JWK set) a verifier accepts today, for offline verification."""
    return JsonResponse(signing.public_jwks())


@require_GET
@login_required
def revocations(request):
    """The revocation list for offline checks: `?since=<version>` gives the changes after it, else the full list."""
    require_role(request.user, CHECKPOINT_ROLES)
    try:
        since = int(request.GET.get("since", ""))
    except ValueError:
        since = None
    return HttpResponse(revocation_list_json(since=since), content_type="application/json")


@require_POST
@login_required
def check_upload(request):
    """Offline checks, uploaded in batches by the checkpoint page: {"checks": [{check_id, at, result,
    pass_number, community}]}. Answers which ids are stored (now or before) and which are refused, and why."""
    require_role(request.user, CHECKPOINT_ROLES)
    try:
        checks = json.loads(request.body)["checks"]
        if not isinstance(checks, list) or len(checks) > MAX_BATCH:
            raise ValueError
    except (ValueError, KeyError, TypeError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return JsonResponse({"error": str(MSG_UPLOAD_MALFORMED % {"max": MAX_BATCH})}, status=400)
    result = pass_checks_upload(checks=checks, uploaded_by=request.user)
    return JsonResponse(
        {"accepted": result.accepted, "refused": [{"check_id": i, "reason": why} for i, why in result.refused]},
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def manifest(request):
    """The web app manifest that makes the checkpoint page installable (public: browsers fetch it without cookies)."""
    return render(request, "passes/checkpoint.webmanifest", content_type="application/manifest+json")


@require_GET
@never_cache
def service_worker(request):
    """The service worker, served from /passes/check/ so that its scope is the checkpoint page; the script
    itself lives in static/js (its cache name follows the static file's hash, so a deploy refreshes it)."""
    response = render(request, "passes/checkpoint-sw.js", content_type="text/javascript")
    response["Service-Worker-Allowed"] = reverse("passes:check")
    return response
