from django.conf import settings
from django.utils import timezone

from accounts.models import Role
from enterprises.models import Enterprise
from enterprises.selectors import enterprise_counts_by_district, enterprise_pending_visible_to
from filings.selectors import filing_latest_visible_to, filing_queue_counts
from labour.selectors import labour_landing
from negative_list.selectors import industry_restrictions, negative_list_in_force
from passes.eligibility import risk_area_list_in_force
from passes.selectors.checks import pass_check_counts
from passes.selectors.health import health_landing_counts
from passes.selectors.return_passes import pass_landing_counts
from policies.selectors import policy_demo_count, policy_landing_counts
from reference.selectors import demo_community_count
from service_requests.selectors import (
    enterprises_without_tier_one,
    look_backs_pending,
    overreach_requests,
    service_request_landing_counts,
)
from supervision.selectors import supervision_landing_counts
from workforce.resumption import resumption_progress
from workforce.selectors import report_of_day, reporting_status, responsible_reports
from workforce.services import report_cutoff


def landing_context(user) -> dict:
    """What each role's landing page needs; every figure is read through the scoping layer."""
    context = {**_role_landing_context(user), "supervision": supervision_landing_counts(user)}
    if user.role != Role.CHECKPOINT_STAFF:
        context["labour"] = labour_landing(user)
    return context


def _role_landing_context(user) -> dict:
    if user.role == Role.ENTERPRISE:
        return {
            "enterprise": user.enterprise,
            "filing": filing_latest_visible_to(user),
            "todays_report": report_of_day(user.enterprise_id, timezone.localdate()),
            "cutoff": report_cutoff(timezone.localdate()),
            "passes": pass_landing_counts(user),
            "health": health_landing_counts(user),
            "requests": service_request_landing_counts(user),
            "industry_restrictions": industry_restrictions(user.enterprise.industry, timezone.localdate()),
            "policies": policy_landing_counts(user),
        }
    if user.role == Role.DISTRICT_STAFF:
        return {
            "district": user.district,
            "counts": _own_row(enterprise_counts_by_district(user), user.district_id),
            "pending": enterprise_pending_visible_to(user)[:10],
            "queue": filing_queue_counts(user),
            "reporting": _reporting_counts(user),
            "responsible": responsible_reports(user, timezone.localdate()),
            "passes": pass_landing_counts(user),
            "health": health_landing_counts(user),
            "requests": service_request_landing_counts(user),
            "without_tier_one": enterprises_without_tier_one(user).count(),
            "look_backs": look_backs_pending(user).count(),
            "policies": policy_landing_counts(user),
        }
    if user.role == Role.AUTHORITY_STAFF:
        rows = [row for row in enterprise_counts_by_district(user) if row["total"] or row["pending"]]
        return {
            "authority": user.industry_authority,
            "industries": user.industry_authority.industries.order_by("code"),
            "rows": rows,
            "total": sum(row["total"] for row in rows),
            "queue": filing_queue_counts(user),
            "responsible": responsible_reports(user, timezone.localdate()),
            "requests": service_request_landing_counts(user),
            "policies": policy_landing_counts(user),
        }
    if user.role == Role.CHECKPOINT_STAFF:
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
        "queue": filing_queue_counts(user),
        **(_request_overview(user) if user.role == Role.COMMANDER else {}),
    }


def _request_overview(user) -> dict:
    # The figures themselves are on the city dashboard; the landing page lists what commanders watch: 层层加码.
    return {"overreach": overreach_requests(user)}


def _go_live_checks(today) -> dict:
    """What still stands in the way of real use: rule lists in force that are demo content or missing (they
    decide which enterprises may resume and which workers may come back), and demo communities."""
    return {
        "negative_list": negative_list_in_force(today),
        "risk_list": risk_area_list_in_force(today),
        "demo_communities": demo_community_count(),
        "demo_policies": policy_demo_count(),
    }


def _reporting_counts(user) -> dict:
    status = reporting_status(user, timezone.localdate(), user.district_id)
    return {key: status[key] for key in ("expected", "reported", "late")}


def _own_row(rows: list[dict], district_id: int) -> dict:
    return next(row for row in rows if row["district"].pk == district_id)
