from django.shortcuts import render

from negative_list import selectors


def industry_search(request):
    """Public lookup of GB/T 4754-2017 class codes, for filling in registration and import files."""
    q = request.GET.get("q", "")[:50]
    results = list(selectors.industry_search(q))
    return render(
        request,
        "negative_list/industry_search.html",
        {"q": q, "results": results, "sections": selectors.industry_sections(), "limit": selectors.SEARCH_LIMIT},
    )


def industry_name(request):
    """The name of a class code as the user types it (htmx fragment under the industry field)."""
    industry = selectors.industry_class_by_code(request.GET.get("industry", ""))
    return render(request, "negative_list/industry_name.html", {"industry": industry})
