from django.contrib.auth.decorators import login_required

from core.downloads import download_response


@login_required
def download(request, token: str):
    return download_response(user=request.user, token=token)
