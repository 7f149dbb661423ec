"""Names found by pinyin (issue 18, item 5): full pinyin and initials, stored on every write, used by searches."""

import pytest
from django.urls import reverse

from core.pinyin import name_q, pinyin_backfill, pinyin_key, pinyin_query
from enterprises.models import Enterprise
from passes.models import Worker
from reference.models import Industry
from tests.factories import EnterpriseFactory
from tests.passes.factories import WorkerFactory, issued_pass
from tests.passes.test_roster_import import _import, sheet_row


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("昆山精密", "kunshanjingmi ksjm"),
        ("长江重工(昆山)有限公司", "changjiangzhonggongkunshanyouxiangongsi cjzgksyxgs"),
        ("ABC科技2号", "abckeji2hao abckj2h"),
        ("", ""),
    ],
)
def test_a_name_is_stored_as_full_pinyin_and_initials(name, key):
    assert pinyin_key(name) == key


@pytest.mark.parametrize(
    ("typed", "letters"),
    [("ksjm", "ksjm"), ("KSJM", "ksjm"), (" kun shan ", "kunshan"), ("xi'an", "xian"), ("昆山", None), ("3670", None)],
)
def test_only_letters_are_searched_as_pinyin(typed, letters):
    assert pinyin_query(typed) == letters


@pytest.mark.django_db
def test_the_pinyin_is_computed_on_save_and_on_bulk_create():
    enterprise = EnterpriseFactory(name="昆山精密")
    assert Enterprise.objects.get(pk=enterprise.pk).name_pinyin == "kunshanjingmi ksjm"
    enterprise.name = "昆山物流"
    enterprise.save()
    assert Enterprise.objects.get(pk=enterprise.pk).name_pinyin == "kunshanwuliu kswl"
    (bulk,) = Enterprise.objects.bulk_create([EnterpriseFactory.build(name="花桥商贸")])
    assert Enterprise.objects.get(pk=bulk.pk).name_pinyin == "huaqiaoshangmao hqsm"


@pytest.mark.django_db
def test_the_industries_are_loaded_with_their_pinyin():
    assert Industry.objects.get(code="3670").name_pinyin == "qichelingbujianjipeijianzhizao qclbjjpjzz"


@pytest.mark.django_db
def test_the_backfill_fills_rows_written_before_the_column(enterprise_a):
    EnterpriseFactory.create_batch(4)
    Enterprise.objects.update(name_pinyin="")
    pinyin_backfill(Enterprise, batch_size=2)
    assert not Enterprise.objects.filter(name_pinyin="").exists()
    assert Enterprise.objects.get(pk=enterprise_a.pk).name_pinyin == pinyin_key(enterprise_a.name)


@pytest.mark.django_db
def test_a_roster_import_stores_the_workers_pinyin(enterprise_user_a):
    outcome = _import(enterprise_user_a, [sheet_row(1)])
    assert outcome.created == 1
    worker = Worker.objects.get()
    assert worker.name_pinyin == pinyin_key(worker.name) != ""


@pytest.mark.django_db
def test_name_q_matches_characters_and_pinyin_not_across_the_two_parts():
    EnterpriseFactory(name="昆山精密")
    EnterpriseFactory(name="花桥物流")

    def names(q):
        return sorted(Enterprise.objects.filter(name_q("name", q)).values_list("name", flat=True))

    assert names("ksjm") == names("kunshanjing") == names("精密") == ["昆山精密"]
    assert names("mik") == []  # the end of the full pinyin and the start of the initials


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["ksjm", "KunShan", "jingmi"])
def test_the_enterprise_list_finds_names_by_pinyin(client, commander, district_a, q):
    EnterpriseFactory(district=district_a, name="昆山精密")
    EnterpriseFactory(district=district_a, name="花桥物流")
    client.force_login(commander)
    page = client.get(reverse("enterprises:list"), {"q": q}).context["page"]
    assert [e.name for e in page] == ["昆山精密"]


@pytest.mark.django_db
def test_the_roster_finds_workers_and_enterprises_by_pinyin(client, enterprise_user_a):
    wanted = WorkerFactory(enterprise=enterprise_user_a.enterprise, name="赵六")
    WorkerFactory(enterprise=enterprise_user_a.enterprise, name="钱七")
    client.force_login(enterprise_user_a)
    response = client.get(reverse("passes:roster"), {"q": "zl"})
    assert [row.worker for row in response.context["roster"].rows] == [wanted]
    everyone = client.get(reverse("passes:roster"), {"q": "zpjqy"})  # 张浦甲企业, the workers' enterprise
    assert len(everyone.context["roster"].rows) == 2


@pytest.mark.django_db
def test_the_industry_picker_finds_classes_by_pinyin(client):
    response = client.get(reverse("negative_list:industries"), {"q": "qclbj"})
    assert [industry.code for industry in response.context["results"]] == ["3670"]


@pytest.mark.django_db
def test_who_sees_names_masked_cannot_find_a_pass_by_the_names_pinyin(
    client, enterprise_user_a, district_staff_a, commander
):
    return_pass = issued_pass(enterprise_user_a, district_staff_a, name="赵六")
    client.force_login(district_staff_a)
    assert list(client.get(reverse("passes:list"), {"q": "zl"}).context["page"]) == [return_pass]
    client.force_login(commander)
    assert list(client.get(reverse("passes:list")).context["page"]) == [return_pass]
    assert list(client.get(reverse("passes:list"), {"q": "zl"}).context["page"]) == []
