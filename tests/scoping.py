"""The cross-scope check: every URL that takes an object id answers 404 to users outside its scope.

Each such URL is registered here with the object it should load for the owner's side ("A"). The
test in tests/test_cross_scope.py fails when a URL with an id is missing from this registry, so
every new feature adds its URLs here and gets the check for free.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class ScopedUrl:
    kwargs: Callable[[dict], dict]  # world -> URL kwargs for an object that belongs to side A
    methods: tuple[str, ...] = ("get", "post")
    insider: str = "insider"  # the world's user on side A who does reach the object


SCOPED_URLS: dict[str, ScopedUrl] = {
    "enterprises:detail": ScopedUrl(lambda w: {"pk": w["enterprise_a"].pk}, ("get",)),
    "enterprises:edit": ScopedUrl(lambda w: {"pk": w["enterprise_a"].pk}),
    "enterprises:confirm": ScopedUrl(lambda w: {"pk": w["pending_a"].pk}, ("post",)),
    "enterprises:reject": ScopedUrl(lambda w: {"pk": w["pending_a"].pk}, ("post",)),
    "enterprises:account_create": ScopedUrl(lambda w: {"pk": w["enterprise_a"].pk}),
    "enterprises:flags": ScopedUrl(lambda w: {"pk": w["enterprise_a"].pk}),
    "filings:detail": ScopedUrl(lambda w: {"pk": w["filing_a"].pk}, ("get",)),
    "filings:receipt": ScopedUrl(lambda w: {"pk": w["filing_a"].pk}, ("get",)),
    "filings:material": ScopedUrl(lambda w: {"pk": w["filing_a"].materials.first().pk}, ("get",)),
    "filings:decide": ScopedUrl(lambda w: {"pk": w["filing_a"].pk}, ("post",)),
    "filings:guidance": ScopedUrl(lambda w: {"pk": w["filing_a"].pk}, ("post",)),
    "filings:resumption": ScopedUrl(lambda w: {"pk": w["filing_a"].pk}, ("post",), insider="filing_owner"),
    "filings:step_scope": ScopedUrl(lambda w: {"pk": w["draft_a"].pk}, insider="draft_owner"),
    "filings:step_measures": ScopedUrl(lambda w: {"pk": w["draft_a"].pk}, insider="draft_owner"),
    "filings:step_materials": ScopedUrl(lambda w: {"pk": w["draft_a"].pk}, insider="draft_owner"),
    "filings:attach_roster": ScopedUrl(lambda w: {"pk": w["draft_a"].pk}, ("post",), insider="draft_owner"),
    "filings:step_check": ScopedUrl(lambda w: {"pk": w["draft_a"].pk}, insider="draft_owner"),
    "dashboard:district": ScopedUrl(lambda w: {"pk": w["district_a"].pk}, ("get",)),
    "dashboard:district_screen": ScopedUrl(lambda w: {"pk": w["district_a"].pk}, ("get",)),
    "dashboard:district_data": ScopedUrl(lambda w: {"pk": w["district_a"].pk, "chart": "resumption"}, ("get",)),
    "dashboard:industry": ScopedUrl(lambda w: {"pk": w["authority_a"].pk}, ("get",), insider="authority_staff_a"),
    "dashboard:industry_screen": ScopedUrl(
        lambda w: {"pk": w["authority_a"].pk}, ("get",), insider="authority_staff_a"
    ),
    "dashboard:industry_data": ScopedUrl(
        lambda w: {"pk": w["authority_a"].pk, "chart": "capacity"}, ("get",), insider="authority_staff_a"
    ),
    "passes:transport_detail": ScopedUrl(lambda w: {"pk": w["transport_a"].pk}, ("get",)),
    "passes:transport_act": ScopedUrl(lambda w: {"pk": w["transport_a"].pk, "action": "confirm"}, ("post",)),
    "passes:detail": ScopedUrl(lambda w: {"pk": w["pass_a"].pk}, ("get",)),
    "passes:card": ScopedUrl(lambda w: {"pk": w["pass_a"].pk}, ("get",)),
    "passes:phone": ScopedUrl(lambda w: {"pk": w["pass_a"].pk}, ("get",)),
    "passes:revoke": ScopedUrl(lambda w: {"pk": w["pass_a"].pk}, ("post",)),
    "passes:suspend": ScopedUrl(lambda w: {"pk": w["pass_a"].pk}, ("post",)),
    "passes:reinstate": ScopedUrl(lambda w: {"pk": w["pass_a"].pk}, ("post",)),
    "passes:reissue": ScopedUrl(lambda w: {"pk": w["pass_a"].pk}, ("post",)),
    "passes:send_link": ScopedUrl(lambda w: {"pk": w["pass_a"].pk}, ("post",), insider="filing_owner"),
    "passes:entrance_close": ScopedUrl(lambda w: {"pk": w["entrance_a"].pk}, ("post",)),
    "passes:entrance_reopen": ScopedUrl(lambda w: {"pk": w["entrance_a"].pk}, ("post",)),
    "passes:batch_detail": ScopedUrl(lambda w: {"pk": w["pass_a"].batch_id}, ("get",)),
    "passes:batch_decide": ScopedUrl(lambda w: {"pk": w["pass_a"].batch_id}, ("post",)),
    "passes:roster_detail": ScopedUrl(lambda w: {"pk": w["worker_a"].pk}, ("get",)),
    "passes:roster_edit": ScopedUrl(lambda w: {"pk": w["worker_a"].pk}, insider="filing_owner"),
    "passes:roster_leave": ScopedUrl(lambda w: {"pk": w["worker_a"].pk}, ("post",), insider="filing_owner"),
    "passes:roster_id_number": ScopedUrl(lambda w: {"pk": w["worker_a"].pk}),
    "passes:health_import_status": ScopedUrl(
        lambda w: {"pk": w["health_import_a"].pk}, ("get",), insider="filing_owner"
    ),
    "passes:health_import_errors": ScopedUrl(
        lambda w: {"pk": w["health_import_a"].pk}, ("get",), insider="filing_owner"
    ),
    "passes:health_incident": ScopedUrl(lambda w: {"pk": w["health_incident_a"].pk}, ("get",)),
    "passes:health_incident_close": ScopedUrl(lambda w: {"pk": w["health_incident_a"].pk}, ("post",)),
    "passes:roster_import_status": ScopedUrl(
        lambda w: {"pk": w["roster_import_a"].pk}, ("get",), insider="filing_owner"
    ),
    "passes:roster_import_errors": ScopedUrl(
        lambda w: {"pk": w["roster_import_a"].pk}, ("get",), insider="filing_owner"
    ),
    "service_requests:detail": ScopedUrl(lambda w: {"pk": w["service_request_a"].pk}, ("get",)),
    "service_requests:act": ScopedUrl(lambda w: {"pk": w["service_request_a"].pk, "action": "accept"}, ("post",)),
    "service_requests:attachment": ScopedUrl(lambda w: {"pk": w["service_request_a"].attachments.first().pk}, ("get",)),
    "service_requests:linkage_edit": ScopedUrl(lambda w: {"pk": w["enterprise_a"].pk}),
    "service_requests:lookback_record": ScopedUrl(lambda w: {"pk": w["look_back_a"].pk}, ("post",)),
    **{
        f"labour:{name}": spec
        for name, spec in {
            "need_detail": ScopedUrl(lambda w: {"pk": w["need_a"].pk}, ("get",)),
            "need_edit": ScopedUrl(lambda w: {"pk": w["need_a"].pk}, insider="filing_owner"),
            "need_hire": ScopedUrl(lambda w: {"pk": w["need_a"].pk}, ("post",)),
            "need_close": ScopedUrl(lambda w: {"pk": w["need_a"].pk}, ("post",), insider="filing_owner"),
            "need_reopen": ScopedUrl(lambda w: {"pk": w["need_a"].pk}, ("post",), insider="filing_owner"),
            "agency_detail": ScopedUrl(lambda w: {"pk": w["agency_a"].pk}, ("get",)),
            "agency_edit": ScopedUrl(lambda w: {"pk": w["agency_a"].pk}),
            "pairing_detail": ScopedUrl(lambda w: {"pk": w["pairing_a"].pk}, ("get",)),
            "pairing_end": ScopedUrl(lambda w: {"pk": w["pairing_a"].pk}, ("post",)),
            "drive_detail": ScopedUrl(lambda w: {"pk": w["drive_a"].pk}, ("get",)),
            "drive_participant_add": ScopedUrl(lambda w: {"pk": w["drive_a"].pk}, ("post",)),
            "drive_result": ScopedUrl(
                lambda w: {"pk": w["drive_a"].pk, "participant": w["drive_a"].participants.get().pk}, ("post",)
            ),
            "drive_complete": ScopedUrl(lambda w: {"pk": w["drive_a"].pk}, ("post",)),
            "drive_cancel": ScopedUrl(lambda w: {"pk": w["drive_a"].pk}, ("post",)),
            "complaint_detail": ScopedUrl(lambda w: {"pk": w["complaint_a"].pk}, ("get",), insider="filing_owner"),
            "complaint_accept": ScopedUrl(lambda w: {"pk": w["complaint_a"].pk}, ("post",), insider="filing_owner"),
            "complaint_close": ScopedUrl(lambda w: {"pk": w["complaint_a"].pk}, ("post",), insider="filing_owner"),
            "dispute_detail": ScopedUrl(lambda w: {"pk": w["dispute_a"].pk}, ("get",)),
            "dispute_act": ScopedUrl(lambda w: {"pk": w["dispute_a"].pk, "action": "negotiate"}, ("post",)),
        }.items()
    },
    "supervision:training_detail": ScopedUrl(lambda w: {"pk": w["training_a"].pk}, ("get",)),
    "supervision:training_material": ScopedUrl(lambda w: {"pk": w["training_a"].pk}, ("get",)),
    "supervision:training_status": ScopedUrl(lambda w: {"enterprise_pk": w["enterprise_a"].pk}, ("get",)),
    "supervision:round_detail": ScopedUrl(lambda w: {"pk": w["round_a"].pk}, ("get",)),
    "supervision:round_targets": ScopedUrl(lambda w: {"pk": w["round_a"].pk}, ("post",)),
    "supervision:round_close": ScopedUrl(lambda w: {"pk": w["round_a"].pk}, ("post",)),
    "supervision:visit_detail": ScopedUrl(lambda w: {"pk": w["visit_a"].pk}, ("get",)),
    "supervision:visit_record": ScopedUrl(lambda w: {"pk": w["planned_visit_a"].pk}),
    "supervision:visit_photo": ScopedUrl(lambda w: {"pk": w["photo_a"].pk}, ("get",)),
    "supervision:finding_detail": ScopedUrl(lambda w: {"pk": w["finding_a"].pk}, ("get",)),
    "supervision:finding_act": ScopedUrl(lambda w: {"pk": w["finding_a"].pk, "action": "report"}, ("post",)),
    "supervision:figures_district": ScopedUrl(lambda w: {"pk": w["district_a"].pk}, ("get",)),
    "policies:application": ScopedUrl(lambda w: {"pk": w["policy_application_a"].pk}, ("get",)),
    "policies:resubmit": ScopedUrl(lambda w: {"pk": w["policy_application_a"].pk}, insider="filing_owner"),
    "policies:decide": ScopedUrl(lambda w: {"pk": w["policy_application_a"].pk}, ("post",)),
    "policies:payout": ScopedUrl(lambda w: {"pk": w["policy_application_a"].pk}, ("post",)),
    "policies:material": ScopedUrl(lambda w: {"pk": w["policy_application_a"].materials.first().pk}, ("get",)),
}

# URLs with an id whose objects belong to no enterprise or district, so no cross-scope check applies.
# Each names why; the tests named there cover who may reach them and that a missing id is a 404.
UNSCOPED_URLS: dict[str, str] = {
    # Negative-list versions are city-wide data (clause 3: one published rule for everyone).
    "negative_list:version": "published versions are public (clause 3); drafts 404 for everyone",
    "negative_list:version_export": "published versions are public (clause 3); drafts 404 for everyone",
    # Administrators only: tests/negative_list/test_pages.py checks 403 for every other role and 404 for missing ids.
    "negative_list:manage_detail": "admin-only, city-wide (403 for other roles)",
    "negative_list:manage_publish": "admin-only, city-wide (403 for other roles)",
    "negative_list:manage_import": "admin-only, city-wide (403 for other roles)",
    "negative_list:manage_export": "admin-only, city-wide (403 for other roles)",
    "negative_list:manage_entry_remove": "admin-only, city-wide (403 for other roles)",
    # Risk-area list versions are city-wide data too (clause 3); tests/passes/test_risk_areas_pages.py checks
    # that drafts 404 for everyone on the public URLs, 403 for every non-administrator on the manage URLs,
    # and 404 for missing ids.
    "passes:risk_area_version": "published versions are public (clause 3); drafts 404 for everyone",
    "passes:risk_area_version_export": "published versions are public (clause 3); drafts 404 for everyone",
    "passes:risk_area_manage_detail": "admin-only, city-wide (403 for other roles)",
    "passes:risk_area_manage_publish": "admin-only, city-wide (403 for other roles)",
    "passes:risk_area_manage_import": "admin-only, city-wide (403 for other roles)",
    "passes:risk_area_manage_export": "admin-only, city-wide (403 for other roles)",
    "passes:risk_area_manage_remove": "admin-only, city-wide (403 for other roles)",
    # Inspection checklists are city-wide versioned data; tests/supervision/test_inspections.py checks 403 for
    # roles other than commanders and administrators.
    "supervision:checklist_detail": "commanders and administrators only, city-wide (403 for other roles)",
    "supervision:checklist_publish": "commanders and administrators only, city-wide (403 for other roles)",
    "supervision:checklist_import": "commanders and administrators only, city-wide (403 for other roles)",
    "supervision:checklist_export": "commanders and administrators only, city-wide (403 for other roles)",
    "supervision:checklist_remove": "commanders and administrators only, city-wide (403 for other roles)",
    # Published notices (通报) are read by every staff account city-wide; drafts are the commanders'.
    # tests/supervision/test_notices.py and test_scope.py check: enterprises 404, drafts 404 for non-commanders,
    # acting, editing and printing refused to non-commanders, and missing ids 404.
    "supervision:notice_detail": "published notices are city-wide for staff; drafts 404 for non-commanders",
    "supervision:notice_edit": "the drafter's draft only; 404 for non-commanders, refused for other commanders",
    "supervision:notice_print": "commanders only (403), published or withdrawn only",
    "supervision:notice_act": "commanders only (403); drafts and pending notices 404 for everyone else",
    # The policy catalogue is city-wide (every enterprise reads it); applying checks eligibility, and
    # tests/policies/test_views.py covers 403 for staff and 404 for missing ids.
    "policies:detail": "the catalogue is city-wide; 404 for missing ids",
    "policies:apply": "the catalogue is city-wide, eligibility decides (403 for staff); 404 for missing ids",
    # Official policy answers are public (clause 3: one voice); editing is for administrators and commanders,
    # tests/policies/test_answers.py checks 403 for other roles and 404 for missing ids.
    "policies:answer": "published and withdrawn answers are public (clause 3); 404 for missing ids",
    "policies:answer_revise": "administrators and commanders only, city-wide (403 for other roles)",
    "policies:answer_withdraw": "administrators and commanders only, city-wide (403 for other roles)",
}

# Namespaces outside the portal's own scoping (Django's admin has its own staff-only gate).
EXCLUDED_NAMESPACES = {"admin"}


def url_names_with_object_ids() -> set[str]:
    """Every named portal URL whose route captures an int (an object id)."""
    found: set[str] = set()

    def walk(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in EXCLUDED_NAMESPACES:
                    continue
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                converters = getattr(pattern.pattern, "converters", {})
                if any(type(c).__name__ == "IntConverter" for c in converters.values()):
                    found.add(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns, "")
    return found
