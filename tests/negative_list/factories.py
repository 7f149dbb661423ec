"""Negative-list versions for tests; the reference classification is loaded by tests/conftest.py."""

import datetime

import factory
from django.utils import timezone

from negative_list.models import NegativeList, NegativeListEntry


class NegativeListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NegativeList

    title = factory.Sequence(lambda n: f"测试负面清单{n}")
    source_document = "昆防指〔2020〕19号"
    effective_from = datetime.date(2020, 3, 1)
    status = NegativeList.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)

    class Params:
        draft = factory.Trait(status=NegativeList.Status.DRAFT, published_at=None)


class NegativeListEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NegativeListEntry

    negative_list = factory.SubFactory(NegativeListFactory)
    industry_id = "8760"
    restricts_work = True
    restricts_production = True
    restricts_business = True
    reason = "人员密集场所, 暂缓开放"


def version_with(entries: dict[str, tuple[bool, bool, bool]] | list[str], **kwargs) -> NegativeList:
    """A version whose entries are given by code, each restricting (work, production, business)."""
    version = NegativeListFactory(**kwargs)
    if isinstance(entries, list):
        entries = dict.fromkeys(entries, (True, True, True))
    for code, (work, production, business) in entries.items():
        NegativeListEntryFactory(
            negative_list=version,
            industry_id=code,
            restricts_work=work,
            restricts_production=production,
            restricts_business=business,
            reason=f"测试理由 {code}",
        )
    return version
