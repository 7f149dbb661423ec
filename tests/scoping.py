"""The cross-scope check: every URL that takes an object id answers 404 to users outside its scope.

Each such URL is registered here with the object it should load for the owner's side ("A"). The
test in tests/test_cross_scope.py fails when a URL with an id is missing from this registry, so
every new feature adds its URLs here and gets the check for free.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class ScopedUrl:
    kwargs: Callable[[dict], dict]  # world -> URL kwargs for an object that belongs to side A
    methods: tuple[str, ...] = ("get", "post")


SCOPED_URLS: dict[str, ScopedUrl] = {
    "enterprises:detail": ScopedUrl(lambda w: {"pk": w["enterprise_a"].pk}, ("get",)),
    "enterprises:edit": ScopedUrl(lambda w: {"pk": w["enterprise_a"].pk}),
    "enterprises:confirm": ScopedUrl(lambda w: {"pk": w["pending_a"].pk}, ("post",)),
    "enterprises:reject": ScopedUrl(lambda w: {"pk": w["pending_a"].pk}, ("post",)),
    "enterprises:account_create": ScopedUrl(lambda w: {"pk": w["enterprise_a"].pk}),
}

# Namespaces outside the portal's own scoping (Django's admin has its own staff-only gate).
EXCLUDED_NAMESPACES = {"admin"}


def url_names_with_object_ids() -> set[str]:
    """Every named portal URL whose route captures an int (an object id)."""
    found: set[str] = set()

    def walk(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in EXCLUDED_NAMESPACES:
                    continue
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                converters = getattr(pattern.pattern, "converters", {})
                if any(type(c).__name__ == "IntConverter" for c in converters.values()):
                    found.add(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns, "")
    return found
