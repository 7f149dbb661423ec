"""Two requests at the same moment: one application per enterprise and policy, one decision per application."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from policies import services
from policies.models import PolicyApplication, PolicyApplicationEvent
from reference.models import IndustryAuthority
from tests.factories import UserFactory
from tests.markers import postgres_only
from tests.policies.helpers import make_policy, pdf_upload, submitted

# Real row locks and a partial unique index need a database server, one connection per thread.
pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]


def _run_together(calls) -> list:
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        start.wait()
        try:
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - returned and asserted by the caller
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_a_double_submit_makes_one_application_and_both_get_it(enterprise_user_a):
    policy = make_policy()
    from tests.policies.helpers import application_data

    def submit():
        return services.policy_application_submit(
            policy=policy,
            enterprise=enterprise_user_a.enterprise,
            submitted_by=enterprise_user_a,
            data=application_data(),
            files=[pdf_upload()],
        )

    results = _run_together([submit, submit, submit])
    assert all(isinstance(r, PolicyApplication) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert PolicyApplication.objects.count() == 1
    assert PolicyApplicationEvent.objects.count() == 1


def test_a_double_submit_through_the_page_answers_with_the_application_never_a_500(enterprise_user_a):
    policy = make_policy()
    url = reverse("policies:apply", args=[policy.pk])

    def post():
        client = Client()
        client.force_login(enterprise_user_a)
        return client.post(
            url,
            {
                "contact_name": "王五",
                "contact_mobile": "13912345678",
                "bank_name": "中国银行",
                "account_name": "张浦甲企业",
                "account_number": "6216610100001234567",
                "materials": [pdf_upload()],
            },
        )

    responses = _run_together([post, post])
    application = PolicyApplication.objects.get()
    for response in responses:
        assert not isinstance(response, Exception), response
        assert response.status_code == 302 and response.url == reverse("policies:application", args=[application.pk])


def test_two_reviewers_deciding_at_once_one_wins_and_one_is_told(enterprise_user_a, district_staff_a):
    application = submitted(enterprise_user_a)
    gxj = UserFactory(authority_staff=True, industry_authority=IndustryAuthority.objects.get(code="gxj"))
    results = _run_together(
        [
            lambda: services.policy_application_approve(
                application=application, approved_by=gxj, amount=Decimal("1000")
            ),
            lambda: services.policy_application_reject(
                application=application, rejected_by=district_staff_a, reason="同时处理"
            ),
        ]
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], ValidationError) and errors[0].code == "decided"
    decisions = PolicyApplicationEvent.objects.filter(from_status=PolicyApplication.Status.SUBMITTED)
    assert decisions.count() == 1
