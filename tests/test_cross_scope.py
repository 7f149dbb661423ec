import pytest
from django.urls import reverse

from enterprises.models import Enterprise
from reference.models import IndustryAuthority
from tests.factories import EnterpriseFactory, UserFactory
from tests.filings.helpers import complete_draft, submitted
from tests.scoping import SCOPED_URLS, UNSCOPED_URLS, url_names_with_object_ids
from tests.supervision.scoping import supervision_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(
    district_a, enterprise_a, enterprise_user_a, enterprise_user_b, district_staff_a, district_staff_b, checkpoint_staff
):
    """Side A owns the objects; everyone in `outsiders` belongs elsewhere."""
    health_bureau = UserFactory(
        authority_staff=True, industry_authority=IndustryAuthority.objects.get(code="wjw")
    )  # guides hospitals, not enterprise_a's car parts
    draft_owner = UserFactory(enterprise_user=True, enterprise=EnterpriseFactory(district=district_a))
    from django.utils import timezone

    from passes.services.transport import transport_request_create
    from tests.passes.factories import LOW_RISK_ORIGIN, division

    return {
        "enterprise_a": enterprise_a,
        "district_a": district_a,
        # 工信局 guides manufacturing, enterprise_a's car parts among it; the health bureau is its outsider.
        "authority_a": IndustryAuthority.objects.get(code="gxj"),
        "authority_staff_a": UserFactory(
            authority_staff=True, industry_authority=IndustryAuthority.objects.get(code="gxj")
        ),
        "pending_a": EnterpriseFactory(district=district_a, status=Enterprise.Status.PENDING),
        "insider": district_staff_a,
        "filing_a": submitted(enterprise_user_a),
        "filing_owner": enterprise_user_a,
        "draft_a": complete_draft(draft_owner),
        "draft_owner": draft_owner,
        "transport_a": transport_request_create(
            enterprise=enterprise_a,
            requested_by=enterprise_user_a,
            origin=division(LOW_RISK_ORIGIN),
            departure_on=timezone.localdate(),
            headcount=5,
            contact_name="王五",
            contact_mobile="13912345678",
        ),
        # An issued pass of enterprise_a for a worker living in 高新区: neither 开发区 (district_staff_b) nor the
        # checkpoint's community is its home, so both are outsiders.
        "pass_a": _issued_pass_living_in_gxq(enterprise_user_a, district_staff_a),
        "worker_a": _worker_of(enterprise_a),
        # A gate of the checkpoint's own community: the guard may choose it, only its district manages it.
        "entrance_a": _entrance_of(district_staff_a),
        "roster_import_a": _failed_roster_import(enterprise_user_a),
        "health_import_a": _failed_health_import(enterprise_user_a),
        "health_incident_a": _health_incident_living_in_gxq(enterprise_user_a),
        **_service_request_world(enterprise_user_a, district_staff_a),
        **_labour_world(enterprise_user_a, district_staff_a),
        **supervision_world(enterprise_user_a, district_staff_a),
        "policy_application_a": _policy_application_of(enterprise_user_a),
        "outsiders": {
            "another enterprise": enterprise_user_b,
            "another district": district_staff_b,
            "an authority of other industries": health_bureau,
            "a checkpoint": checkpoint_staff,
        },
    }


def _issued_pass_living_in_gxq(enterprise_user, issuer):
    from reference.models import District
    from tests.passes.factories import issued_pass

    return issued_pass(enterprise_user, issuer, residence_district=District.objects.get(code="gxq"))


def _entrance_of(district_staff):
    from passes.services.entrances import entrance_add
    from reference.models import Community

    community = Community.objects.get(code="zhangpu-demo-1")
    return entrance_add(community=community, name="东门", added_by=district_staff)[0]


def _worker_of(enterprise):
    from tests.passes.factories import WorkerFactory

    return WorkerFactory(enterprise=enterprise)


def _labour_world(enterprise_user, district_staff):
    """A shortage, pairing, drive and dispute of enterprise_a; an agency of its district; a complaint its user made."""
    from labour.services.drives import drive_participant_add
    from tests.labour.factories import agency_by, complaint_by, dispute_by, drive_by, need_of, pairing_of

    need = need_of(enterprise_user)
    drive = drive_by(district_staff)
    drive_participant_add(
        drive=drive, enterprise=enterprise_user.enterprise, positions_offered=5, added_by=district_staff
    )
    return {
        "need_a": need,
        "agency_a": agency_by(district_staff),
        "pairing_a": pairing_of(need, district_staff),
        "drive_a": drive,
        "complaint_a": complaint_by(enterprise_user),
        "dispute_a": dispute_by(district_staff, enterprise_user.enterprise),
    }


def _failed_roster_import(enterprise_user):
    """A background roster import that found errors, with its annotated workbook to download."""
    from django.core.files.base import ContentFile

    from passes.models import RosterImport

    job = RosterImport(
        enterprise=enterprise_user.enterprise,
        uploaded_by=enterprise_user,
        status=RosterImport.Status.FAILED,
        rows_total=3000,
        rows_done=3000,
        error_count=1,
    )
    job.file.save("roster.xlsx", ContentFile(b"PK"), save=False)
    job.error_file.save("errors.xlsx", ContentFile(b"PK"), save=False)
    job.save()
    return job


def _failed_health_import(enterprise_user):
    """A background health-sheet import that found errors, with its annotated workbook to download."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from passes.models import HealthImport

    job = HealthImport(
        enterprise=enterprise_user.enterprise,
        uploaded_by=enterprise_user,
        day=timezone.localdate(),
        status=HealthImport.Status.FAILED,
        rows_total=3000,
        rows_done=3000,
        error_count=1,
    )
    job.error_file.save("errors.xlsx", ContentFile(b"PK"), save=False)
    job.save()
    return job


def _health_incident_living_in_gxq(enterprise_user):
    """A fever of a worker of enterprise_a living in 高新区: 开发区 (district_staff_b) is no home district of it."""
    from decimal import Decimal

    from django.utils import timezone

    from passes.services.health import ReadingInput, health_readings_record
    from reference.models import District
    from tests.passes.factories import WorkerFactory

    worker = WorkerFactory(enterprise=enterprise_user.enterprise, residence_district=District.objects.get(code="gxq"))
    (reading,) = health_readings_record(
        enterprise=enterprise_user.enterprise,
        entries=[ReadingInput(worker.pk, temperature=Decimal("38.2"), taken_at=timezone.now())],
        recorded_by=enterprise_user,
    )
    return reading.incidents_opened.get()


def _service_request_world(enterprise_user, district_staff):
    """A request of enterprise_a with an attachment, handled by district_staff_a (its tier-1 official), closed
    unsatisfied once and drawn for a look-back call."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from service_requests import lookback, services
    from service_requests.linkage import linkage_tiers_default_load

    linkage_tiers_default_load()
    enterprise = enterprise_user.enterprise
    enterprise.responsible_official = district_staff
    enterprise.save(update_fields=["responsible_official"])
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    open_request = services.service_request_raise(
        enterprise=enterprise,
        raised_by=enterprise_user,
        category="labour",
        title="缺工",
        text="缺少焊工。",
        attachments=[SimpleUploadedFile("a.pdf", pdf)],
    )
    done = services.service_request_raise(
        enterprise=enterprise, raised_by=enterprise_user, category="other", title="已办结", text="x"
    )
    services.service_request_answer(request=done, answered_by=district_staff, answer="已办")
    done = services.service_request_confirm(request=done, confirmed_by=enterprise_user, rating="unsatisfied")
    draw = lookback.look_back_draw(week=done.closed_at.date(), seed=1)
    return {"service_request_a": open_request, "look_back_a": draw.lookbacks.get()}


def _policy_application_of(enterprise_user):
    """Routed to 工信局 (car parts are its industry) and to the enterprise's district, so the health bureau and
    the other district are outsiders."""
    from tests.policies.helpers import make_policy, submitted

    return submitted(enterprise_user, make_policy(authorities=("gxj",), by_district=True))


def test_every_url_with_an_object_id_is_registered_for_the_cross_scope_check():
    missing = url_names_with_object_ids() - (set(SCOPED_URLS) | set(UNSCOPED_URLS))
    assert not missing, f"add these URLs to tests/scoping.py SCOPED_URLS: {sorted(missing)}"


@pytest.mark.parametrize("url_name", sorted(SCOPED_URLS))
def test_users_outside_the_scope_get_404(client, world, url_name):
    spec = SCOPED_URLS[url_name]
    url = reverse(url_name, kwargs=spec.kwargs(world))
    for method in spec.methods:
        # The owner's side reaches it, so the 404s below are about scope, not a broken URL.
        client.force_login(world[spec.insider])
        assert getattr(client, method)(url).status_code != 404, f"{method.upper()} {url} as {spec.insider}"
        for who, user in world["outsiders"].items():
            client.force_login(user)
            assert getattr(client, method)(url).status_code == 404, f"{method.upper()} {url} as {who}"


@pytest.mark.parametrize("url_name", sorted(SCOPED_URLS))
def test_missing_objects_are_404_too(client, world, url_name):
    spec = SCOPED_URLS[url_name]
    kwargs = dict.fromkeys(spec.kwargs(world), 999999999)
    client.force_login(world[spec.insider])
    for method in spec.methods:
        assert getattr(client, method)(reverse(url_name, kwargs=kwargs)).status_code == 404
