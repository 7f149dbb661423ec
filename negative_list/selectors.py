"""Reads of the industry classification and of the negative list (负面清单).

The rules API (`negative_list_rules`, `NegativeListRules`, `Restriction`, `is_restricted`) is what
filings call at submission and at decision. Dates are local dates: pass `timezone.localdate()`.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from core.pinyin import name_q
from negative_list.models import NegativeList, NegativeListEntry, ResumptionScope
from reference.models import Industry
from reference.selectors import IndustryNode

SEARCH_LIMIT = 100
NEGATIVE_LIST_SEARCH_LIMIT = 50

MSG_RESTRICTED = _(
    "“%(industry_name)s”(%(industry_code)s)属于负面清单《%(title)s》(%(source)s, %(effective_from)s起施行)"
    "所列行业“%(entry_code)s %(entry_name)s”: %(reason)s。暂不能%(scope)s。"
)


# --- industries ------------------------------------------------------------------------------


def industry_search(q: str) -> QuerySet[Industry]:
    """Classes whose code starts with, or whose name or any ancestor's name contains, the text."""
    classes = Industry.objects.filter(level=Industry.Level.CLASS)
    q = q.strip()
    if not q:
        return classes.none()
    if q.isdigit() or (len(q) == 1 and q.isalpha()):
        return classes.filter(Q(code__startswith=q) | Q(section=q.upper())).order_by("code")[:SEARCH_LIMIT]
    return classes.filter(name_q("name", q) | name_q("parent__name", q)).order_by("code")[:SEARCH_LIMIT]


def industry_sections() -> QuerySet[Industry]:
    return Industry.objects.filter(level=Industry.Level.SECTION).order_by("code")


def industry_class_by_code(code: str) -> Industry | None:
    return Industry.objects.filter(level=Industry.Level.CLASS, code=code.strip()[:4]).first()


def industry_by_code(code: str) -> Industry | None:
    """A node at any level: a section letter, or a 2-, 3- or 4-digit code."""
    code = code.strip().upper()
    if not code or len(code) > 4:
        return None
    return Industry.objects.filter(code=code).first()


# --- the rules -------------------------------------------------------------------------------


def _check_scope(scope: str) -> None:
    if scope not in ResumptionScope.values:
        raise ValueError(f"unknown resumption scope {scope!r}; use one of {ResumptionScope.values}")


@dataclass(frozen=True)
class Restriction:
    """Why `industry` may not resume `scope`: the entry of `version` that covers it."""

    entry: NegativeListEntry
    version: NegativeList
    industry: Industry
    scope: str

    @property
    def message(self) -> str:
        return str(MSG_RESTRICTED) % {
            "industry_name": self.industry.name,
            "industry_code": self.industry.code,
            "title": self.version.title,
            "source": self.version.source_document,
            "effective_from": f"{self.version.effective_from:%Y-%m-%d}",
            "entry_code": self.entry.industry.code,
            "entry_name": self.entry.industry.name,
            "reason": self.entry.reason.strip().rstrip("。.;； "),
            "scope": ResumptionScope(self.scope).label,
        }


class NegativeListRules:
    """One version's entries held in memory, so checking any number of industries costs no query.

    An entry on a section, division, group or class covers everything beneath it. When several
    entries cover an industry, the most specific one decides for every scope: a class entry that
    restricts only business narrows a division entry that restricts all three, for that class.
    With no version (none in force) nothing is restricted.
    """

    def __init__(self, version: NegativeList | None, entries: Iterable[NegativeListEntry] = ()) -> None:
        self.version = version
        self._by_code: dict[str, NegativeListEntry] = {entry.industry_id: entry for entry in entries}

    @classmethod
    def for_version(cls, version: NegativeList | None) -> "NegativeListRules":
        """Two queries at most: the entries with their industries (the version is given)."""
        if version is None:
            return cls(None)
        return cls(version, version.entries.select_related("industry"))

    def __len__(self) -> int:
        return len(self._by_code)

    def covering_entry(self, industry: Industry | IndustryNode) -> NegativeListEntry | None:
        """The most specific entry on this industry or one of its ancestors, whatever it restricts."""
        for code in reversed(industry.ancestor_codes):
            entry = self._by_code.get(code)
            if entry is not None:
                return entry
        return None

    def entries_beneath(self, industry: Industry) -> list[NegativeListEntry]:
        """Entries on industries strictly below this one (some of its classes are listed)."""
        return [
            entry
            for code, entry in self._by_code.items()
            if code != industry.code and industry.code in entry.industry.ancestor_codes
        ]

    def restriction(self, industry: Industry, scope: str) -> Restriction | None:
        _check_scope(scope)
        entry = self.covering_entry(industry)
        if entry is None or self.version is None or not entry.restricts(scope):  # no version, no entries
            return None
        return Restriction(entry=entry, version=self.version, industry=industry, scope=scope)

    def restrictions(self, industry: Industry) -> dict[str, Restriction]:
        """Every restricted scope of the industry, keyed by `ResumptionScope` value."""
        found = {}
        for scope in ResumptionScope.values:
            restriction = self.restriction(industry, scope)
            if restriction is not None:
                found[scope] = restriction
        return found


def negative_list_in_force(on: date) -> NegativeList | None:
    """The published version in force on a local date, or None before the first one."""
    return NegativeList.objects.in_force(on)


def negative_list_rules(on: date) -> NegativeListRules:
    """The rules in force on a local date: two queries, then any number of in-memory checks."""
    return NegativeListRules.for_version(negative_list_in_force(on))


def _rules_for(industry: Industry, on: date) -> NegativeListRules:
    """The rules in force on a local date, holding only the entries that can cover this industry (two queries)."""
    version = negative_list_in_force(on)
    if version is None:
        return NegativeListRules(None)
    return NegativeListRules(
        version, version.entries.select_related("industry").filter(industry_id__in=industry.ancestor_codes)
    )


def is_restricted(industry_code: str, scope: str, on: date) -> Restriction | None:
    """One check by code (three queries). Raises Industry.DoesNotExist for an unknown code."""
    _check_scope(scope)
    industry = Industry.objects.get(code=industry_code)
    return _rules_for(industry, on).restriction(industry, scope)


@dataclass(frozen=True)
class IndustryRestrictions:
    """What the list in force says about one industry, scope by scope: what an enterprise is told before it
    files. `by_scope` is keyed by `ResumptionScope` value, each restriction citing its entry."""

    by_scope: dict[str, Restriction]

    def __bool__(self) -> bool:
        return bool(self.by_scope)

    @property
    def restrictions(self) -> list[Restriction]:
        return list(self.by_scope.values())

    @property
    def allowed_labels(self) -> list[str]:
        return [str(label) for scope, label in ResumptionScope.choices if scope not in self.by_scope]


def industry_restrictions(industry: Industry, on: date) -> IndustryRestrictions:
    """The scopes the list in force on a local date restricts for an industry (two queries)."""
    return IndustryRestrictions(_rules_for(industry, on).restrictions(industry))


# --- pages -----------------------------------------------------------------------------------


def negative_list_published_get_or_404(pk: int) -> NegativeList:
    """Published versions are public (clause 3); a draft is nobody's business but the administrators'."""
    return get_object_or_404(NegativeList.objects.published(), pk=pk)


def negative_list_get_or_404(pk: int) -> NegativeList:
    """Any version, drafts included: for administrators only (the view checks the role first)."""
    return get_object_or_404(NegativeList, pk=pk)


def negative_list_entry_get_or_404(pk: int) -> NegativeListEntry:
    return get_object_or_404(NegativeListEntry.objects.select_related("negative_list"), pk=pk)


def negative_list_entries(version: NegativeList | None) -> list[NegativeListEntry]:
    if version is None:
        return []
    return list(version.entries.select_related("industry").order_by("industry__section", "industry_id"))


def negative_list_versions_published() -> QuerySet[NegativeList]:
    return NegativeList.objects.published().order_by("-effective_from", "-published_at", "-pk")


def negative_list_versions_all() -> QuerySet[NegativeList]:
    return NegativeList.objects.annotate(entry_count=Count("entries")).order_by(
        "status", "-effective_from", "-published_at", "-pk"
    )


@dataclass(frozen=True)
class IndustryMatch:
    """A searched industry and what the list says about it."""

    industry: Industry
    entry: NegativeListEntry | None  # the entry covering it (on itself or an ancestor)
    entries_beneath: list[NegativeListEntry]

    @property
    def covered_by_ancestor(self) -> bool:
        return self.entry is not None and self.entry.industry_id != self.industry.code


def _industries_matching(q: str) -> QuerySet[Industry]:
    if q.isdigit():
        matches = Industry.objects.filter(code__startswith=q)
    elif len(q) == 1 and q.isalpha():
        matches = Industry.objects.filter(code=q.upper())
    else:
        matches = Industry.objects.filter(name_q("name", q))
    return matches.order_by("section", "code")[:NEGATIVE_LIST_SEARCH_LIMIT]


def negative_list_search(rules: NegativeListRules, q: str) -> list[IndustryMatch]:
    """Industries (any level) by code prefix or name, each with the entry covering it: one query."""
    q = q.strip()
    if not q:
        return []
    return [
        IndustryMatch(industry=i, entry=rules.covering_entry(i), entries_beneath=rules.entries_beneath(i))
        for i in _industries_matching(q)
    ]
