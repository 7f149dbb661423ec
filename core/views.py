from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.templatetags.static import static

from core.downloads import download_response


@login_required
def download(request, token: str):
    return download_response(user=request.user, token=token)


def favicon(request):
    """Browsers ask for /favicon.ico on pages without an icon link (the admin's): send them to the portal's."""
    return redirect(static("favicon.svg"), permanent=True)
