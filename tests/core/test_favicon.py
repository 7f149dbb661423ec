"""/favicon.ico answers, so pages that link no icon (the admin's) get the portal's (issue 12, item 8)."""

from django.contrib.staticfiles import finders
from django.templatetags.static import static


def test_favicon_ico_leads_to_the_portal_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == static("favicon.svg")
    assert finders.find("favicon.svg")
