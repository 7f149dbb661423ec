from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Community, Role
from enterprises.models import Enterprise
from enterprises.selectors import enterprise_counts_by_district, enterprise_pending_visible_to
from filings.models import Filing
from filings.selectors import resumption_progress
from negative_list.selectors import industry_restrictions
from workforce.models import WorkforceReport
from workforce.selectors import reporting_status, responsible_reports
from workforce.services import report_cutoff


def landing_context(user) -> dict:
    """What each role's landing page needs; every figure is read through the scoping layer."""
    if user.role == Role.ENTERPRISE:
        return {
            "enterprise": user.enterprise,
            "filing": Filing.objects.visible_to(user).order_by("-created_at", "-pk").first(),
            "todays_report": WorkforceReport.objects.filter(enterprise_id=user.enterprise_id,
                                                            day=timezone.localdate()).first(),
            "cutoff": report_cutoff(timezone.localdate()),
            "passes": _pass_counts(user),
            "industry_restrictions": industry_restrictions(user.enterprise.industry, timezone.localdate()),
        }
    if user.role == Role.DISTRICT_STAFF:
        return {
            "district": user.district,
            "counts": _own_row(enterprise_counts_by_district(user), user.district_id),
            "pending": enterprise_pending_visible_to(user)[:10],
            "queue": _queue_counts(user),
            "reporting": _reporting_counts(user),
            "responsible": responsible_reports(user, timezone.localdate()),
            "passes": _pass_counts(user),
        }
    if user.role == Role.AUTHORITY_STAFF:
        rows = [row for row in enterprise_counts_by_district(user) if row["total"] or row["pending"]]
        return {
            "authority": user.industry_authority,
            "industries": user.industry_authority.industries.order_by("code"),
            "rows": rows,
            "total": sum(row["total"] for row in rows),
            "queue": _queue_counts(user),
            "responsible": responsible_reports(user, timezone.localdate()),
        }
    if user.role == Role.CHECKPOINT_STAFF:
        from passes.selectors.checks import pass_check_counts

        return {"community": user.community, "checks": pass_check_counts(user, day=timezone.localdate())}
    today = timezone.localdate()
    rows = enterprise_counts_by_district(user)
    return {
        **(_go_live_checks(today) if user.role == Role.ADMIN else {}),
        "rows": rows,
        "totals": {key: sum(row[key] for row in rows) for key in ("total", "pending", "above_scale", "key")},
        "enterprise_statuses": Enterprise.Status,
        "progress": resumption_progress(user, today),
        "target_date": settings.RESUMPTION_TARGET_DATE,
        "days_to_target": (settings.RESUMPTION_TARGET_DATE - today).days,
        "queue": _queue_counts(user),
    }


def _go_live_checks(today) -> dict:
    """What still stands in the way of real use: rule lists in force that are demo content or missing (they
    decide which enterprises may resume and which workers may come back), and demo communities."""
    from negative_list.selectors import negative_list_in_force
    from passes.eligibility import risk_area_list_in_force

    return {
        "negative_list": negative_list_in_force(today),
        "risk_list": risk_area_list_in_force(today),
        "demo_communities": Community.objects.filter(is_demo=True).count(),
    }


def _pass_counts(user) -> dict:
    """Passes in the user's scope waiting for the issuing district, and valid ones; trips to arrange."""
    from passes.models import ReturnPass, TransportRequest, Worker

    counts = ReturnPass.objects.visible_to(user).aggregate(
        applied=Count("pk", filter=Q(status=ReturnPass.Status.APPLIED, issuing_district_id=user.district_id)
                      if user.role == Role.DISTRICT_STAFF else Q(status=ReturnPass.Status.APPLIED)),
        valid=Count("pk", filter=Q(status=ReturnPass.Status.VALID)),
    )
    counts["trips"] = TransportRequest.objects.visible_to(user).filter(
        status__in=(TransportRequest.Status.REQUESTED, TransportRequest.Status.CONFIRMED)
    ).count()
    if user.role == Role.ENTERPRISE:
        counts["workers"] = Worker.objects.visible_to(user).count()
    return counts


def _queue_counts(user) -> dict:
    return Filing.objects.visible_to(user).filter(status=Filing.Status.SUBMITTED).aggregate(
        waiting=Count("pk"), overdue=Count("pk", filter=Q(review_deadline__lt=timezone.now()))
    )


def _reporting_counts(user) -> dict:
    status = reporting_status(user, timezone.localdate(), user.district_id)
    return {key: status[key] for key in ("expected", "reported", "late")}


def _own_row(rows: list[dict], district_id: int) -> dict:
    return next(row for row in rows if row["district"].pk == district_id)


def notification_list_for(user):
    return user.notifications.order_by("-created_at", "-pk")
