"""Names found by pinyin: staff type "ksjm" or "kunshan" for 昆山精密, as in every other system they use.

A name's pinyin is stored beside it ("kunshanjingmi ksjm": full pinyin, a space, the initials) by PinyinField,
which computes it whenever the row is written by save() or bulk_create (the Field.pre_save hook that auto_now
uses), so imports that write in bulk get it too. A pinyin search is a `contains` on that column: the typed
letters have no space, so they match within the full pinyin or within the initials, never across the two.
"""

import re
from functools import lru_cache

from django.db import models
from django.db.models import Q

_NOT_LETTER_OR_DIGIT = re.compile(r"[^0-9a-z]+")
_NOT_CHINESE = "\x00"
# What a user types as pinyin: letters, maybe split by spaces or apostrophes (xi'an); no digits-only codes.
_PINYIN_QUERY = re.compile(r"^[A-Za-z][A-Za-z' ]*$")


@lru_cache(maxsize=65_536)
def pinyin_key(name: str) -> str:
    """The stored form of a name's pinyin: "kunshanjingmi ksjm". Letters and digits in the name are kept whole
    in both parts (ABC科技 -> "abckeji abckj"); punctuation is dropped. Cached: rosters repeat names."""
    if not name:
        return ""
    # Imported on first use: its dictionaries hold ~50 MB, which a process that never writes a name need not load.
    from pypinyin import lazy_pinyin

    # One conversion for both parts (it is the cost of an import); what is not Chinese comes back marked.
    parts = lazy_pinyin(name, errors=lambda text: _NOT_CHINESE + text)
    full = "".join(p.removeprefix(_NOT_CHINESE) for p in parts)
    initials = "".join(p[1:] if p.startswith(_NOT_CHINESE) else p[:1] for p in parts)
    return f"{_NOT_LETTER_OR_DIGIT.sub('', full.lower())} {_NOT_LETTER_OR_DIGIT.sub('', initials.lower())}"


def pinyin_query(q: str) -> str | None:
    """The letters to look for in the pinyin column, or None when the query is not pinyin (Chinese, a code)."""
    q = q.strip()
    if not _PINYIN_QUERY.match(q):
        return None
    return _NOT_LETTER_OR_DIGIT.sub("", q.lower()) or None


def name_q(field: str, q: str, *, lookup: str = "contains") -> Q:
    """Rows whose `field` contains `q`, or, when `q` is pinyin, whose `field`_pinyin column (a PinyinField
    beside it, e.g. "enterprise__name" -> "enterprise__name_pinyin") contains it."""
    condition = Q(**{f"{field}__{lookup}": q})
    letters = pinyin_query(q)
    if letters:
        condition |= Q(**{f"{field}_pinyin__contains": letters})
    return condition


class PinyinField(models.TextField):
    """The pinyin of another field of the row (`source`), recomputed on every save and bulk insert."""

    def __init__(self, *args, source: str = "name", **kwargs):
        self.source = source
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, value in (("editable", False), ("blank", True), ("default", "")):
            if kwargs.get(key, object()) == value:
                del kwargs[key]
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = pinyin_key(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


def pinyin_backfill(model, *, source: str = "name", batch_size: int = 2000) -> None:
    """Fill the pinyin column of rows written before it existed (a data migration's RunPython), in batches
    by primary key so neither memory nor one UPDATE grows with the table."""
    rows = model._default_manager.order_by("pk").only("pk", source, f"{source}_pinyin")
    last = None
    while True:
        batch = list((rows.filter(pk__gt=last) if last is not None else rows)[:batch_size])
        if not batch:
            return
        for row in batch:
            setattr(row, f"{source}_pinyin", pinyin_key(getattr(row, source) or ""))
        model._default_manager.bulk_update(batch, [f"{source}_pinyin"], batch_size=batch_size)
        last = batch[-1].pk
