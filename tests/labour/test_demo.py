import pytest
from django.urls import reverse

from labour.models import LabourDispute, LabourNeed, MarketComplaint, Pairing, PartnerRegion, RecruitmentDrive
from portal.demo import demo_seed

pytestmark = pytest.mark.django_db

PAGES = [
    "labour:needs",
    "labour:pairings",
    "labour:drives",
    "labour:disputes",
    "labour:complaints",
    "labour:agencies",
    "labour:figures",
    "labour:regions",
    "portal:home",
]


def test_the_labour_demo_is_made_once_and_every_role_opens_its_pages(client, settings):
    users = demo_seed(password=settings.DEMO_PASSWORD)
    counts = [m.objects.count() for m in (LabourNeed, Pairing, RecruitmentDrive, MarketComplaint, LabourDispute)]
    assert counts == [3, 1, 1, 1, 2]
    assert demo_seed(password=settings.DEMO_PASSWORD)
    models = (LabourNeed, Pairing, RecruitmentDrive, MarketComplaint, LabourDispute)
    assert [m.objects.count() for m in models] == counts
    assert PartnerRegion.objects.filter(is_demo=True).exists()
    by_name = {u.username: u for u in users}
    assert by_name["demo_hr"].check_password(settings.DEMO_PASSWORD)
    for username, user in by_name.items():
        if username == "demo_checkpoint" or not user.is_active:
            continue
        client.force_login(user)
        for name in PAGES:
            assert client.get(reverse(name)).status_code in (200, 403), (username, name)
    client.force_login(by_name["demo_hr"])
    page = client.get(reverse("portal:home")).content.decode()
    assert 'data-testid="labour-landing"' in page
    assert "某演示黑中介" in client.get(reverse("labour:complaints")).content.decode()
