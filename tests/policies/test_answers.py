"""Official policy answers: published for everyone, searched, revised with history, withdrawn with a notice."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from policies import services
from policies.models import AnswerTopic, PolicyAnswer
from policies.selectors import policy_answers_published

pytestmark = pytest.mark.django_db


def _publish(
    editor,
    question="外地返昆员工什么情况下可以上岗?",
    body="低风险地区返昆且体温正常的员工可以上岗。",
    topic=AnswerTopic.PASSES,
    source="昆防指〔2020〕20号 第七条",
):
    return services.policy_answer_publish(
        topic=topic, question=question, body=body, source_document=source, published_by=editor
    )


def test_the_public_page_needs_no_login_and_searches_the_current_wording(client, admin_user):
    passes = _publish(admin_user)
    _publish(admin_user, question="备案后多久可以复工?", body="提交备案即可复工。", topic=AnswerTopic.FILINGS)
    response = client.get(reverse("policies:answers"), {"q": "返昆 上岗"})
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [passes]
    response = client.get(reverse("policies:answers"), {"topic": "filings"})
    assert [a.current.question for a in response.context["page"]] == ["备案后多久可以复工?"]
    detail = client.get(passes.get_absolute_url())
    assert detail.status_code == 200 and "昆防指〔2020〕20号 第七条" in detail.content.decode()


def test_nothing_found_says_so(client):
    response = client.get(reverse("policies:answers"), {"q": "不存在的词"})
    assert 'data-testid="no-answers"' in response.content.decode()


def test_a_revision_is_a_new_version_and_the_history_stays(client, commander):
    answer = _publish(commander)
    services.policy_answer_revise(
        answer=answer,
        question=answer.current.question,
        body="低风险地区返昆、体温正常且健康码为绿码的员工可以上岗。",
        source_document="昆防指〔2020〕20号 第七条",
        change_note="增加健康码要求",
        revised_by=commander,
    )
    answer.refresh_from_db()
    assert answer.current.number == 2 and "健康码" in answer.current.body
    assert [v.number for v in answer.versions.order_by("number")] == [1, 2]
    # Search reads the wording in force only.
    assert list(policy_answers_published("健康码")) == [answer]
    html = client.get(reverse("policies:answer", args=[answer.pk])).content.decode()
    assert 'data-testid="versions"' in html and "增加健康码要求" in html and "体温正常的员工可以上岗。" in html


def test_an_unchanged_revision_is_refused(commander):
    answer = _publish(commander)
    with pytest.raises(ValidationError) as error:
        services.policy_answer_revise(
            answer=answer,
            question=answer.current.question,
            body=answer.current.body,
            source_document=answer.current.source_document,
            change_note="无",
            revised_by=commander,
        )
    assert error.value.messages == [str(services.MSG_ANSWER_UNCHANGED)]


def test_a_withdrawn_answer_leaves_the_list_and_says_so_on_its_page(client, admin_user):
    answer = _publish(admin_user)
    client.force_login(admin_user)
    response = client.post(reverse("policies:answer_withdraw", args=[answer.pk]), {"reason": "政策已调整"})
    assert response.status_code == 302
    client.logout()
    assert not client.get(reverse("policies:answers")).context["page"].object_list
    html = client.get(reverse("policies:answer", args=[answer.pk])).content.decode()
    assert 'data-testid="withdrawn"' in html and "政策已调整" in html
    with pytest.raises(ValidationError) as error:
        services.policy_answer_revise(
            answer=answer, question="新问题", body="新答复", source_document="x", change_note="x", revised_by=admin_user
        )
    assert error.value.messages == [str(services.MSG_ANSWER_WITHDRAWN)]


def test_withdrawing_needs_a_reason(client, admin_user):
    answer = _publish(admin_user)
    client.force_login(admin_user)
    response = client.post(reverse("policies:answer_withdraw", args=[answer.pk]), {"reason": " "}, follow=True)
    assert str(services.MSG_REASON_REQUIRED) in response.content.decode()
    assert PolicyAnswer.objects.get().status == PolicyAnswer.Status.PUBLISHED


def test_editors_publish_and_revise_through_the_pages(client, commander):
    client.force_login(commander)
    response = client.post(
        reverse("policies:answer_create"),
        {
            "topic": "policies",
            "question": "补贴何时到账?",
            "body": "审核通过后按计划兑付。",
            "source_document": "昆防指〔2020〕20号 第十一条",
        },
    )
    answer = PolicyAnswer.objects.get()
    assert response.url == reverse("policies:answer", args=[answer.pk])
    response = client.post(
        reverse("policies:answer_revise", args=[answer.pk]),
        {
            "question": "补贴何时到账?",
            "body": "审核通过后按计划兑付, 具备条件的提前兑付。",
            "source_document": "昆防指〔2020〕20号 第十一条",
            "change_note": "明确提前兑付",
        },
    )
    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.current.number == 2 and answer.current.published_by == commander


@pytest.mark.parametrize("who", ["enterprise_user_a", "district_staff_a", "authority_staff", "checkpoint_staff"])
def test_other_roles_cannot_edit(client, admin_user, who, request):
    answer = _publish(admin_user)
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(reverse("policies:answers_manage")).status_code == 403
    assert client.get(reverse("policies:answer_create")).status_code == 403
    assert client.get(reverse("policies:answer_revise", args=[answer.pk])).status_code == 403
    assert client.post(reverse("policies:answer_withdraw", args=[answer.pk]), {"reason": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        _publish(user)


def test_missing_answers_are_404(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("policies:answer", args=[999999])).status_code == 404
    assert client.get(reverse("policies:answer_revise", args=[999999])).status_code == 404
    assert client.post(reverse("policies:answer_withdraw", args=[999999]), {"reason": "x"}).status_code == 404


def test_the_filing_and_pass_pages_link_to_their_answers(client, enterprise_user_a):
    client.force_login(enterprise_user_a)
    assert f"{reverse('policies:answers')}?topic=filings" in client.get(reverse("filings:mine")).content.decode()
    assert f"{reverse('policies:answers')}?topic=passes" in client.get(reverse("passes:list")).content.decode()
