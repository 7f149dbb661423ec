"""Who reaches the city-wide supervision URLs listed in tests/scoping.py UNSCOPED_URLS: notices and checklists."""

import pytest
from django.urls import reverse

from supervision.models import Notice
from tests.factories import UserFactory
from tests.supervision.helpers import drafted_notice, pending_notice, published_checklist

pytestmark = pytest.mark.django_db

NOTICE_URLS = [
    ("supervision:notice_detail", {}, "get"),
    ("supervision:notice_edit", {}, "get"),
    ("supervision:notice_print", {}, "get"),
    ("supervision:notice_act", {"action": "publish"}, "post"),
]
CHECKLIST_URLS = [
    ("supervision:checklist_detail", "get"),
    ("supervision:checklist_publish", "post"),
    ("supervision:checklist_import", "get"),
    ("supervision:checklist_export", "get"),
]


@pytest.fixture
def others(enterprise_user_a, district_staff_a, authority_staff, checkpoint_staff):
    return {
        "enterprise": enterprise_user_a,
        "district": district_staff_a,
        "authority": authority_staff,
        "checkpoint": checkpoint_staff,
    }


@pytest.mark.parametrize(("name", "extra", "method"), NOTICE_URLS)
def test_unpublished_notices_are_404_to_everyone_but_commanders(client, others, district_a, name, extra, method):
    drafter = UserFactory(role="commander")
    for notice in (drafted_notice(drafter, district_a), pending_notice(drafter, district_a)):
        url = reverse(name, kwargs={"pk": notice.pk, **extra})
        for who, user in others.items():
            client.force_login(user)
            assert getattr(client, method)(url).status_code == 404, who


@pytest.mark.parametrize(("name", "extra", "method"), NOTICE_URLS)
def test_missing_notices_are_404(client, commander, name, extra, method):
    client.force_login(commander)
    assert getattr(client, method)(reverse(name, kwargs={"pk": 999999999, **extra})).status_code == 404


def test_another_commander_cannot_edit_a_draft(client, district_a):
    drafter, other = UserFactory(role="commander"), UserFactory(role="commander")
    notice = drafted_notice(drafter, district_a)
    client.force_login(other)
    response = client.post(reverse("supervision:notice_edit", args=[notice.pk]), {"title": "改"})
    assert response.status_code == 302
    assert Notice.objects.get().title == notice.title


@pytest.mark.parametrize(("name", "method"), CHECKLIST_URLS)
def test_checklists_are_403_to_roles_that_do_not_manage_them(client, others, commander, name, method):
    checklist = published_checklist()
    url = reverse(name, args=[checklist.pk])
    for who, user in others.items():
        client.force_login(user)
        assert getattr(client, method)(url).status_code == 403, who
    client.force_login(commander)
    assert getattr(client, method)(url).status_code != 403
    assert getattr(client, method)(reverse(name, args=[999999999])).status_code == 404


def test_removing_a_checklist_item_is_403_to_others(client, others):
    item = published_checklist().items.first()
    for who, user in others.items():
        client.force_login(user)
        assert client.post(reverse("supervision:checklist_remove", args=[item.pk])).status_code == 403, who
