"""Every endpoint that takes a file, how to post one to it, and how to find them all in the URLconf.

`UPLOAD_ENDPOINTS` says, for each upload or import endpoint, who posts, to which object, with which
other fields, and the headers of its template (so that a hostile file's attack sits in the right
columns). `file_taking_url_names()` walks the URLconf for every view that reads `request.FILES`, and
every admin page whose form has a file field: tests/hostile/test_hostile_uploads.py fails when one
of those is missing here, so a new endpoint that takes a file joins the hostile suite or the build
fails. bench/hostile_upload.py posts the costliest files to the same endpoints.
"""

from __future__ import annotations

import datetime
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.contrib import admin
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class UploadEndpoint:
    user: str  # the world's user who may post here
    headers: Callable[[], list[str]]  # the template's header row
    kwargs: Callable[[dict], dict] = lambda world: {}
    data: dict[str, str] = field(default_factory=dict)  # the form's other fields
    data_for: Callable[[dict], dict[str, str]] = lambda world: {}  # other fields that name the world's objects
    field_name: str = "file"
    # An attachment (a document kept as it is, never read as a table) must refuse only the files that are no
    # valid document of an allowed kind; the others it may keep. None: an import, which refuses every class.
    must_refuse: frozenset[str] | None = None
    # Where a refusal sends the user back to, when that is not the page posted to (an action's object page).
    back_to: Callable[[dict], str] | None = None


# What the upload checks (core.uploads) refuse whatever the endpoint: no valid document of an allowed kind.
NOT_A_DOCUMENT = frozenset({"zip bomb", "truncated", "empty", "ELF renamed", "PE with a workbook appended"})


def _headers(columns: Callable[[], list]) -> Callable[[], list[str]]:
    return lambda: [str(column.header) for column in columns()]


def _enterprise_columns():
    from enterprises.services import enterprise_import_columns

    return enterprise_import_columns()


def _enterprise_flags_columns():
    from enterprises.services import enterprise_flags_columns

    return enterprise_flags_columns()


def _community_columns():
    from reference.imports import community_columns

    return community_columns()


def _office_columns():
    from reference.imports import office_columns

    return office_columns()


def _workforce_columns():
    from workforce.services import workforce_import_columns

    return workforce_import_columns()


def _health_columns():
    from django.utils import timezone

    from passes.services.health import health_columns

    return health_columns(timezone.localdate())


def _roster_columns():
    from passes.services.roster import roster_columns

    return roster_columns()


def _negative_list_columns():
    from negative_list.services import negative_list_columns

    return negative_list_columns()


def _risk_area_columns():
    from passes.services.risk_areas import risk_area_columns

    return risk_area_columns()


def _staff_columns():
    from accounts.services import staff_import_columns

    return staff_import_columns()


def _linkage_columns():
    from service_requests.linkage import linkage_import_columns

    return linkage_import_columns()


def _checklist_columns():
    from supervision.services import checklist_columns

    return checklist_columns()


def _visit_results(world) -> dict[str, str]:
    from supervision.services import checklist_items_for

    visit = world["visit"]
    return {f"result_{item.pk}": "pass" for item in checklist_items_for(visit.round.checklist_id, visit.target_kind)}


POLICY_APPLICATION = {
    "contact_name": "王五",
    "contact_mobile": "13912345678",
    "stated_headcount": "100",
    "stated_figure": "10000",
    "bank_name": "中国银行昆山分行",
    "account_name": "附件测试企业",
    "account_number": "6217000000001234",
}


def _filing_roster_columns():
    from filings.services import ROSTER_TEMPLATE_COLUMNS

    return ROSTER_TEMPLATE_COLUMNS


UPLOAD_ENDPOINTS: dict[str, UploadEndpoint] = {
    "enterprises:import": UploadEndpoint("district_staff", _headers(_enterprise_columns)),
    "enterprises:flags_import": UploadEndpoint("district_staff", _headers(_enterprise_flags_columns)),
    "workforce:import": UploadEndpoint("district_staff", _headers(_workforce_columns)),
    "passes:roster_import": UploadEndpoint("enterprise_user", _headers(_roster_columns)),
    "passes:health_import": UploadEndpoint("enterprise_user", _headers(_health_columns)),
    "negative_list:manage_import": UploadEndpoint(
        "admin", _headers(_negative_list_columns), kwargs=lambda w: {"pk": w["negative_list_draft"].pk}
    ),
    "passes:risk_area_manage_import": UploadEndpoint(
        "admin", _headers(_risk_area_columns), kwargs=lambda w: {"pk": w["risk_list_draft"].pk}
    ),
    "admin:accounts_user_import": UploadEndpoint("admin", _headers(_staff_columns)),
    "admin:reference_community_import": UploadEndpoint("admin", _headers(_community_columns)),
    "admin:reference_district_import": UploadEndpoint("admin", _headers(_office_columns)),
    # The roster slot of a filing's materials: the one kept as uploaded, so it is read like an import.
    "filings:step_materials": UploadEndpoint(
        "enterprise_user",
        _headers(_filing_roster_columns),
        kwargs=lambda w: {"pk": w["filing_draft"].pk},
        data={"kind": "roster"},
    ),
    "service_requests:linkage_import": UploadEndpoint("district_staff", _headers(_linkage_columns)),
    # Enterprise requests: attachments to a new request, and added to one later.
    "service_requests:raise": UploadEndpoint(
        "enterprise_user",
        lambda: ["附件"],
        data={"category": "other", "urgency": "normal", "title": "附件测试", "text": "附件测试"},
        field_name="attachments",
        must_refuse=NOT_A_DOCUMENT,
    ),
    "service_requests:act": UploadEndpoint(
        "enterprise_user",
        lambda: ["附件"],
        kwargs=lambda w: {"pk": w["service_request"].pk, "action": "attach"},
        must_refuse=NOT_A_DOCUMENT,
        back_to=lambda w: f"/requests/{w['service_request'].pk}/",
    ),
    # Supervision: the checklist import, a training session's sign-in sheet, an inspection visit's photos.
    "supervision:checklist_import": UploadEndpoint(
        "admin", _headers(_checklist_columns), kwargs=lambda w: {"pk": w["checklist_draft"].pk}
    ),
    "supervision:training_new": UploadEndpoint(
        "enterprise_user",
        lambda: ["附件"],
        field_name="material",
        must_refuse=NOT_A_DOCUMENT,
        data={
            "kind": "pre_job",
            "held_on": "2020-03-09",
            "topic": "岗前培训",
            "trainer": "安全员",
            "attendee_count": "10",
        },
    ),
    "supervision:visit_record": UploadEndpoint(
        "inspector",
        lambda: ["附件"],
        kwargs=lambda w: {"pk": w["visit"].pk},
        field_name="photos",
        must_refuse=NOT_A_DOCUMENT,
        data={"summary": "现场检查"},
        data_for=_visit_results,
    ),
    # Support policies: the materials of an application, and of its correction.
    "policies:apply": UploadEndpoint(
        "enterprise_user",
        lambda: ["附件"],
        kwargs=lambda w: {"pk": w["policy"].pk},
        field_name="materials",
        must_refuse=NOT_A_DOCUMENT,
        data=POLICY_APPLICATION,
    ),
    "policies:resubmit": UploadEndpoint(
        "enterprise_user",
        lambda: ["附件"],
        kwargs=lambda w: {"pk": w["returned_application"].pk},
        field_name="materials",
        must_refuse=NOT_A_DOCUMENT,
        data=POLICY_APPLICATION,
        back_to=lambda w: f"/policies/applications/{w['returned_application'].pk}/",
    ),
}


def watched_models() -> list[type[models.Model]]:
    """Where an upload could write rows: none may appear for a refused file."""
    from accounts.models import User
    from enterprises.models import Enterprise
    from filings.models import FilingMaterial
    from negative_list.models import NegativeListEntry
    from passes.models import RiskArea, RosterImport, Worker
    from policies.models import PolicyApplication, PolicyApplicationMaterial
    from reference.models import Community, District
    from service_requests.models import LinkedOfficial, ServiceRequest, ServiceRequestAttachment
    from supervision.models import ChecklistItem, TrainingSession, VisitPhoto
    from workforce.models import WorkforceReport

    return [
        Enterprise,
        WorkforceReport,
        Worker,
        RosterImport,
        NegativeListEntry,
        RiskArea,
        User,
        FilingMaterial,
        LinkedOfficial,
        ServiceRequest,
        ServiceRequestAttachment,
        ChecklistItem,
        TrainingSession,
        VisitPhoto,
        PolicyApplication,
        PolicyApplicationMaterial,
        Community,
        District,
    ]


def build_world() -> dict:
    """The users and objects the endpoints are posted as and to."""
    from filings.services import filing_start
    from negative_list.services import negative_list_draft_create
    from passes.services.risk_areas import risk_area_list_draft_create
    from reference.models import District
    from service_requests.services import service_request_raise
    from tests.factories import EnterpriseFactory, UserFactory

    district = District.objects.get(code="zhangpu")
    enterprise_user = UserFactory(enterprise_user=True, enterprise=EnterpriseFactory(district=district))
    admin_user = UserFactory(admin=True)
    day = datetime.date(2020, 3, 1)
    return {
        "district_staff": UserFactory(district_staff=True, district=district),
        "enterprise_user": enterprise_user,
        "admin": admin_user,
        "negative_list_draft": negative_list_draft_create(
            created_by=admin_user, title="草稿", source_document="昆防指〔2020〕19号", effective_from=day
        ),
        "risk_list_draft": risk_area_list_draft_create(
            created_by=admin_user, title="草稿", source_document="苏防指", effective_from=day
        ),
        "filing_draft": filing_start(enterprise=enterprise_user.enterprise, started_by=enterprise_user),
        **_supervision_and_policies(enterprise_user, admin_user, district),
        "service_request": service_request_raise(
            enterprise=enterprise_user.enterprise,
            raised_by=enterprise_user,
            category="other",
            urgency="normal",
            title="已有诉求",
            text="已有诉求",
        ),
    }


def _supervision_and_policies(enterprise_user, admin_user, district) -> dict:
    from policies import services as policy_services
    from supervision.services import checklist_draft_create
    from tests.factories import EnterpriseFactory, UserFactory
    from tests.policies.helpers import make_policy, submitted
    from tests.supervision.helpers import planned_round

    inspector = UserFactory(district_staff=True, district=district)
    inspection_round = planned_round(inspector, targets=[EnterpriseFactory(district=district)])
    policy = make_policy(title="附件测试政策")
    returned = policy_services.policy_application_return(
        application=submitted(enterprise_user, make_policy(title="退回测试政策")),
        returned_by=UserFactory(authority_staff=True),
        reason="请补充材料",
    )
    return {
        "checklist_draft": checklist_draft_create(
            created_by=admin_user, title="草稿", source_document="督导方案", effective_from=datetime.date(2020, 3, 1)
        ),
        "visit": inspection_round.visits.get(),
        "inspector": inspector,
        "policy": policy,
        "returned_application": returned,
    }


# --- finding them in the URLconf ----------------------------------------------------------------------


def url_patterns(resolver: URLResolver | None = None, namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    """(namespaced name, pattern) of every named URL."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from url_patterns(pattern, inner)
        elif pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def file_taking_url_names() -> set[str]:
    return {name for name, pattern in url_patterns() if takes_files(pattern.callback)}


# The admin's own views of a model: they take files only when the model's form has a file field.
_GENERIC_ADMIN_VIEWS = {
    "add_view",
    "change_view",
    "changelist_view",
    "delete_view",
    "history_view",
    "changeform_view",
    "user_change_password",
}


def takes_files(callback) -> bool:
    """Whether a view reads uploaded files: its code (under its decorators) reads request.FILES, or it
    is one of the admin's generic pages of a model whose form has an editable file field."""
    model_admin = getattr(callback, "model_admin", None)
    view = inspect.unwrap(callback)
    name = getattr(view, "__name__", "")
    if isinstance(model_admin, admin.ModelAdmin) and name in _GENERIC_ADMIN_VIEWS:
        return _admin_has_file_fields(model_admin)
    target = getattr(view, "view_class", view)
    try:
        source = inspect.getsource(target)
    except (OSError, TypeError):
        return False
    return "request.FILES" in source


def _admin_has_file_fields(model_admin: admin.ModelAdmin) -> bool:
    admins = [model_admin, *(inline(model_admin.model, model_admin.admin_site) for inline in model_admin.inlines)]
    return any(_editable_file_fields(each) for each in admins)


def _editable_file_fields(model_admin) -> set[str]:
    files = {f.name for f in model_admin.model._meta.get_fields() if isinstance(f, models.FileField) and f.editable}
    shown = set(model_admin.fields) if model_admin.fields else files
    if model_admin.fieldsets:
        shown = {name for _title, options in model_admin.fieldsets for name in _flat(options.get("fields", ()))}
    editable = (files & shown) - set(model_admin.readonly_fields)
    return editable | (files & set(getattr(model_admin, "list_editable", ())))


def _flat(names) -> Iterator[str]:
    for name in names:
        if isinstance(name, list | tuple):
            yield from _flat(name)
        else:
            yield name
