"""The public form of a pass holder turned away at a community (service_requests.access): no account, a few
submissions per address per hour (core.ratelimit), CSRF-protected like every form."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from core.ratelimit import limit_per_address
from passes.selectors.holders import valid_pass_for_token
from service_requests.access import MSG_PASS_INVALID, access_complaint_raise
from service_requests.forms import AccessComplaintForm


def access_complaint_rate(request) -> str:
    return settings.ACCESS_COMPLAINT_RATE


@never_cache
@limit_per_address(method="POST", rate=access_complaint_rate)
def access_complaint(request, token: str):
    if valid_pass_for_token(token) is None:
        # A made-up, tampered, expired or revoked pass: nothing to report against, and nothing about it said.
        return render(request, "service_requests/access_form.html", {"invalid": MSG_PASS_INVALID}, status=404)
    form = AccessComplaintForm(request.POST or None, initial={"refused_at": timezone.localtime().replace(second=0)})
    if request.method == "POST" and form.is_valid():
        try:
            item = access_complaint_raise(token=token, **form.cleaned_data)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, messages in error.message_dict.items():
                    for message in messages:
                        form.add_error(field, message)
            else:
                form.add_error(None, error)
        else:
            return render(request, "service_requests/access_done.html", {"item": item})
    return render(request, "service_requests/access_form.html", {"form": form})
