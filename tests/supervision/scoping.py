"""Side A's supervision objects for the cross-scope walk (tests/test_cross_scope.py, tests/scoping.py)."""

from django.utils import timezone

from supervision import services
from tests.factories import EnterpriseFactory
from tests.supervision.helpers import planned_round, png_upload, recorded_visit


def supervision_world(enterprise_user, district_staff) -> dict:
    """A training session with its sign-in sheet; a round of side A's district with a recorded visit (a photo and
    a finding) and a planned one; only side A's district staff inspect for it."""
    enterprise = enterprise_user.enterprise
    training = services.training_session_record(
        enterprise=enterprise,
        recorded_by=enterprise_user,
        kind="pre_job",
        held_on=timezone.localdate(),
        topic="岗前培训",
        trainer="安全员",
        attendee_count=10,
        material=png_upload(),
    )
    neighbour = EnterpriseFactory(district=enterprise.district)
    inspection_round = planned_round(district_staff, targets=[enterprise, neighbour])
    recorded, planned = inspection_round.visits.order_by("pk")
    recorded_visit(recorded, district_staff, failed={2: "体温登记缺漏"}, photos={2: [png_upload()]})
    return {
        "training_a": training,
        "round_a": inspection_round,
        "visit_a": recorded,
        "planned_visit_a": planned,
        "photo_a": recorded.photos.get(),
        "finding_a": recorded.findings.get(),
    }
