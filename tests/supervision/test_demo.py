"""The demo data of training and supervision: every role finds something, and a second run changes nothing."""

import pytest
from django.urls import reverse

from accounts.models import User
from portal.demo import demo_seed
from supervision.models import Checklist, Finding, InspectionRound, InspectionVisit, Notice, TrainingSession

pytestmark = pytest.mark.django_db


def _counts():
    return [
        model.objects.count()
        for model in (Checklist, InspectionRound, InspectionVisit, Finding, Notice, TrainingSession)
    ]


def test_the_demo_is_idempotent_and_every_role_sees_its_part(client, settings):
    demo_seed(password=settings.DEMO_PASSWORD)
    first = _counts()
    demo_seed(password=settings.DEMO_PASSWORD)
    assert _counts() == first and all(first)
    assert Checklist.objects.get().is_demo
    assert Notice.objects.get().status == Notice.Status.PUBLISHED
    assert User.objects.get(username="demo_commander2").check_password(settings.DEMO_PASSWORD)
    client.force_login(User.objects.get(username="demo_commander2"))
    assert client.get(reverse("supervision:notice_list")).status_code == 200
    client.force_login(User.objects.get(username="demo_district"))
    home = client.get(reverse("portal:home")).content.decode()
    assert "待我督导的对象 2 个" in home and "未读通报 1 份" in home
    client.force_login(User.objects.get(username="demo_enterprise"))
    assert "待整改的督导问题 1 项" in client.get(reverse("portal:home")).content.decode()
    client.force_login(User.objects.get(username="demo_checkpoint"))
    assert "未读通报 1 份" in client.get(reverse("portal:home")).content.decode()
