import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anyone_can_look_up_an_industry_code(client):
    response = client.get(reverse("negative_list:industries"), {"q": "电影"})
    assert response.status_code == 200
    codes = [industry.code for industry in response.context["results"]]
    assert "8760" in codes


def test_lookup_by_code_prefix_lists_classes_only(client):
    results = client.get(reverse("negative_list:industries"), {"q": "367"}).context["results"]
    assert [i.code for i in results] == ["3670"]


def test_lookup_without_a_query_lists_the_sections(client):
    response = client.get(reverse("negative_list:industries"))
    assert len(response.context["sections"]) == 20
    assert response.context["results"] == []


def test_industry_name_fragment(client):
    url = reverse("negative_list:industry_name")
    assert "汽车零部件及配件制造" in client.get(url, {"industry": "3670"}).content.decode()
    assert "请输入 4 位小类代码" in client.get(url, {"industry": "36"}).content.decode()
    assert "请输入 4 位小类代码" in client.get(url, {"industry": "C"}).content.decode()
