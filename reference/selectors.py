from typing import NamedTuple

from reference.models import Community, Industry, industry_ancestor_codes


class IndustryNode(NamedTuple):
    """An industry of the registry as read in bulk (the figures read all 1,971 at once: a model instance each
    took longer than the query)."""

    code: str
    name: str
    level: str
    section: str
    division: str
    group: str

    @property
    def ancestor_codes(self) -> list[str]:
        return industry_ancestor_codes(self.section, self.division, self.group, self.code)


def industry_nodes() -> dict[str, IndustryNode]:
    """Every industry of GB/T 4754 by code."""
    fields = IndustryNode._fields
    return {row[0]: IndustryNode(*row) for row in Industry.objects.order_by().values_list(*fields)}


def demo_community_count() -> int:
    """Demo communities still in use: a go-live task for administrators until the real 社区(村) are loaded."""
    return Community.objects.filter(is_demo=True).count()
