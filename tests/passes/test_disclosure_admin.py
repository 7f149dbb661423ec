"""The log of who viewed full ID numbers is readable in the admin, and only readable (issue 12, item 5)."""

import pytest
from django.urls import reverse

from passes.models import IdNumberDisclosure
from passes.services.roster import worker_id_number_disclose
from tests.passes.factories import WorkerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def disclosure(enterprise_a, district_staff_a):
    worker = WorkerFactory(enterprise=enterprise_a)
    worker_id_number_disclose(worker=worker, user=district_staff_a, reason="核对返岗通行证申请材料")
    return IdNumberDisclosure.objects.get()


def test_administrators_read_the_disclosure_log_in_the_admin(client, admin_user, disclosure):
    client.force_login(admin_user)
    index = client.get(reverse("admin:index")).content.decode()
    assert "身份证号查看记录" in index
    page = client.get(reverse("admin:passes_idnumberdisclosure_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "核对返岗通行证申请材料" in html and disclosure.enterprise.name in html
    assert disclosure.worker.id_number_masked in html
    detail = client.get(reverse("admin:passes_idnumberdisclosure_change", args=[disclosure.pk]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()


def test_nobody_adds_edits_or_deletes_a_line_of_the_log(client, admin_user, disclosure):
    client.force_login(admin_user)
    assert client.get(reverse("admin:passes_idnumberdisclosure_add")).status_code == 403
    client.post(reverse("admin:passes_idnumberdisclosure_change", args=[disclosure.pk]), {"reason": "改掉"})
    assert (
        client.post(
            reverse("admin:passes_idnumberdisclosure_delete", args=[disclosure.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    disclosure.refresh_from_db()
    assert disclosure.reason == "核对返岗通行证申请材料" and IdNumberDisclosure.objects.count() == 1
