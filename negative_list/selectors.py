from django.db.models import Q, QuerySet

from negative_list.models import Industry

SEARCH_LIMIT = 100


def industry_search(q: str) -> QuerySet[Industry]:
    """Classes whose code starts with, or whose name or any ancestor's name contains, the text."""
    classes = Industry.objects.filter(level=Industry.Level.CLASS)
    q = q.strip()
    if not q:
        return classes.none()
    if q.isdigit() or (len(q) == 1 and q.isalpha()):
        return classes.filter(Q(code__startswith=q) | Q(section=q.upper())).order_by("code")[:SEARCH_LIMIT]
    return classes.filter(Q(name__contains=q) | Q(parent__name__contains=q)).order_by("code")[:SEARCH_LIMIT]


def industry_sections() -> QuerySet[Industry]:
    return Industry.objects.filter(level=Industry.Level.SECTION).order_by("code")


def industry_class_by_code(code: str) -> Industry | None:
    return Industry.objects.filter(level=Industry.Level.CLASS, code=code.strip()[:4]).first()
