"""A policy question (政策咨询) answered by citing the city's published answer (issue 14, part 3: one voice)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from policies import services as policies
from policies.models import AnswerTopic
from service_requests import services
from tests.service_requests.helpers import raised

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(commander):
    return policies.policy_answer_publish(
        topic=AnswerTopic.values[0],
        question="社保减免如何申请?",
        body="无需申请, 由税务部门直接减免。",
        source_document="人社部发〔2020〕11号",
        published_by=commander,
    )


def test_the_handler_cites_a_published_answer_and_the_enterprise_sees_it(
    client, enterprise_user_a, official_a, published
):
    request = raised(enterprise_user_a, category="policy", title="社保减免", text="社保减免怎么申请?")
    client.force_login(official_a)
    client.post(
        reverse("service_requests:act", args=[request.pk, "answer"]),
        {"answer": "按市里统一口径答复如下。", "cited_answer": published.pk},
    )
    request.refresh_from_db()
    assert request.cited_answer == published
    client.force_login(enterprise_user_a)
    page = client.get(reverse("service_requests:detail", args=[request.pk])).content.decode()
    assert published.get_absolute_url() in page


def test_a_withdrawn_answer_cannot_be_cited(enterprise_user_a, official_a, published, commander):
    policies.policy_answer_withdraw(answer=published, withdrawn_by=commander, reason="政策调整")
    request = raised(enterprise_user_a, category="policy")
    with pytest.raises(ValidationError) as error:
        services.service_request_answer(
            request=request, answered_by=official_a, answer="见问答", cited_answer_id=published.pk
        )
    assert error.value.messages == [str(services.MSG_CITED_ANSWER_UNPUBLISHED)]
    request.refresh_from_db()
    assert request.status != "answered" and request.cited_answer is None
