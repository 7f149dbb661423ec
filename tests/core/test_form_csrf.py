"""Every form posts one CSRF token: the template writes it, crispy must not add a second one (issue 12, item 7)."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.factories import EnterpriseFactory, UserFactory
from tests.filings.helpers import complete_draft, submitted

pytestmark = pytest.mark.django_db


class _Forms(HTMLParser):
    """The CSRF inputs of each <form> of a page, in order."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._open = {
                "action": attrs.get("action", ""),
                "method": (attrs.get("method") or "get").lower(),
                "csrf": 0,
            }
            self.forms.append(self._open)
        elif tag == "input" and self._open is not None and attrs.get("name") == "csrfmiddlewaretoken":
            self._open["csrf"] += 1

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def _post_forms(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, url
    parser = _Forms()
    parser.feed(response.content.decode())
    forms = [form for form in parser.forms if form["method"] == "post"]
    assert forms, f"{url}: no form to check"
    return forms


def _assert_one_token_per_form(client, url: str) -> None:
    for form in _post_forms(client, url):
        assert form["csrf"] == 1, f"{url}: form {form['action'] or '(this page)'} has {form['csrf']} CSRF inputs"


def test_anonymous_forms_carry_one_csrf_input(client):
    for url in (reverse("accounts:login"), reverse("enterprises:register")):
        _assert_one_token_per_form(client, url)


def test_filing_steps_and_the_filing_page_carry_one_csrf_input(client, enterprise_user_a):
    draft = complete_draft(enterprise_user_a)
    client.force_login(enterprise_user_a)
    for name in ("filings:step_scope", "filings:step_measures", "filings:step_materials", "filings:step_check"):
        _assert_one_token_per_form(client, reverse(name, args=[draft.pk]))
    other = UserFactory(enterprise_user=True, enterprise=EnterpriseFactory(is_above_scale=True))
    filing = submitted(other)
    client.force_login(other)
    _assert_one_token_per_form(client, reverse("filings:detail", args=[filing.pk]))  # the resumption dates
    _assert_one_token_per_form(client, reverse("workforce:report"))  # daily report and capacity


def test_staff_forms_carry_one_csrf_input(client, enterprise_a, district_staff_a, admin_user):
    client.force_login(district_staff_a)
    _assert_one_token_per_form(client, reverse("enterprises:edit", args=[enterprise_a.pk]))
    client.force_login(admin_user)
    _assert_one_token_per_form(client, reverse("negative_list:manage_create"))
    client.post(
        reverse("negative_list:manage_create"),
        {"title": "草稿", "source_document": "昆防指〔2020〕21号", "effective_from": "2020-03-20"},
    )
    from negative_list.models import NegativeList

    draft = NegativeList.objects.get(title="草稿")
    _assert_one_token_per_form(client, reverse("negative_list:manage_detail", args=[draft.pk]))
