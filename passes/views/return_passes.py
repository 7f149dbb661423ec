"""Return passes: the enterprise applies, the issuing district decides, both follow each pass."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from passes.models import ReturnPass

PAGE_SIZE = 50


@login_required
def pass_list(request):
    passes = ReturnPass.objects.visible_to(request.user).select_related("worker", "enterprise")
    page = Paginator(passes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "passes/pass_list.html", {"page": page})
