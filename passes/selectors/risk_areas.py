"""Reads of the administrative divisions (GB/T 2260) and the risk-area list (风险地区名单).

The rules themselves (`RiskAreaRules`, `risk_area_rules(on)`) live in passes.eligibility; this
module serves the pages: versions, their areas, and "what level is this place, and which entry
decided". Dates are local dates: pass `timezone.localdate()`.
"""

from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from passes.eligibility import RiskAreaRules, RiskAssessment
from passes.models import RiskArea, RiskAreaList, RiskLevel
from reference.models import Division

DIVISION_SEARCH_LIMIT = 50

# Highest risk first on every list of areas.
_LEVEL_ORDER: dict[str, int] = {RiskLevel.HIGH: 0, RiskLevel.MEDIUM: 1, RiskLevel.LOW: 2}


# --- divisions -----------------------------------------------------------------------------------


def division_by_code(code: str) -> Division | None:
    code = (code or "").strip()
    if not (len(code) == 6 and code.isdigit()):
        return None
    return Division.objects.filter(code=code).first()


def division_search(q: str, *, limit: int = DIVISION_SEARCH_LIMIT) -> QuerySet[Division]:
    """Divisions by code prefix, or whose name or full name (湖北省武汉市江岸区) holds the text: provinces
    and cities whose own name matches come before the counties beneath them."""
    q = q.strip()
    if not q:
        return Division.objects.none()
    if q.isdigit():
        return Division.objects.filter(code__startswith=q).order_by("code")[:limit]
    own_name = Case(When(name__contains=q, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        Division.objects.filter(Q(name__contains=q) | Q(full_name__contains=q))
        .annotate(own_name=own_name)
        .order_by("own_name", "code")[:limit]
    )


# --- versions ------------------------------------------------------------------------------------


def risk_area_list_published_get_or_404(pk: int) -> RiskAreaList:
    """Published versions are public (clause 3); a draft is nobody's business but the administrators'."""
    return get_object_or_404(RiskAreaList.objects.published(), pk=pk)


def risk_area_list_get_or_404(pk: int) -> RiskAreaList:
    """Any version, drafts included: for administrators only (the view checks the role first)."""
    return get_object_or_404(RiskAreaList, pk=pk)


def risk_area_get_or_404(pk: int) -> RiskArea:
    return get_object_or_404(RiskArea.objects.select_related("risk_list", "division"), pk=pk)


def risk_areas_of(risk_list: RiskAreaList | None) -> list[RiskArea]:
    """A version's areas with their divisions, highest risk first, then by code."""
    if risk_list is None:
        return []
    areas = risk_list.areas.select_related("division")
    return sorted(areas, key=lambda a: (_LEVEL_ORDER[a.level], a.division_id))


def risk_area_lists_published() -> QuerySet[RiskAreaList]:
    return RiskAreaList.objects.published().order_by("-effective_from", "-published_at", "-pk")


def risk_area_lists_all() -> QuerySet[RiskAreaList]:
    return RiskAreaList.objects.annotate(area_count=Count("areas")).order_by(
        "status", "-effective_from", "-published_at", "-pk"
    )


# --- "what is the level of this place" -----------------------------------------------------------


@dataclass(frozen=True)
class DivisionMatch:
    """A searched division, its level under a version, and the entry that decided it."""

    division: Division
    assessment: RiskAssessment
    areas_beneath: list[RiskArea]  # entries strictly below it (e.g. a province's listed cities)

    @property
    def level(self) -> str:
        return self.assessment.level

    @property
    def deciding_area(self) -> RiskArea | None:
        return self.assessment.area

    @property
    def decided_by_parent(self) -> bool:
        return self.deciding_area is not None and self.deciding_area.division_id != self.division.code


def _areas_beneath(areas: list[RiskArea], division: Division) -> list[RiskArea]:
    if division.level == Division.Level.COUNTY:
        return []
    return [a for a in areas if a.division_id != division.code and division.code in a.division.ancestor_codes]


def risk_area_search(areas: list[RiskArea], risk_list: RiskAreaList | None, q: str) -> list[DivisionMatch]:
    """Divisions matching the text, each judged under the version whose `areas` are given: one query."""
    q = q.strip()
    if not q:
        return []
    rules = RiskAreaRules(risk_list, areas)
    return [
        DivisionMatch(division=d, assessment=rules.assess(d.code), areas_beneath=_areas_beneath(areas, d))
        for d in division_search(q)
    ]
