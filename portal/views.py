from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from portal import selectors


@login_required
def home(request):
    """Each role lands on a page that says what to do today."""
    context = selectors.landing_context(request.user)
    return render(request, f"portal/home_{request.user.role}.html", context)
