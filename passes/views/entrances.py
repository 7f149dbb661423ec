"""Entrances (出入口): district staff add and close their communities' gates; a guard chooses one per shift."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import require_role
from core.forms import error_text
from passes.selectors import entrances as selectors
from passes.services import entrances as services
from passes.views.checkpoint import ENTRANCE_COOKIE

MSG_ADDED = _("已添加出入口“%(name)s”。")
MSG_CLOSED = _("出入口“%(name)s”已关闭, 值守该出入口的手机将被要求重新选择。")
MSG_OPENED = _("出入口“%(name)s”已重新开放。")
MSG_CHOSEN = _("本班次出入口: %(name)s")
SHIFT_SECONDS = 24 * 3600


class EntranceForm(forms.Form):
    community = forms.ModelChoiceField(label=_("社区(村)"), queryset=None, empty_label=None)
    name = forms.CharField(label=_("出入口名称"), max_length=40, help_text=_("如: 东门、南门临时卡口"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = selectors.communities_managed_by(user)


@login_required
def entrance_list(request):
    require_role(request.user, (Role.DISTRICT_STAFF,))
    form = EntranceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            entrance, created = services.entrance_add(
                community=form.cleaned_data["community"], name=form.cleaned_data["name"], added_by=request.user
            )
        except ValidationError as error:
            form.add_error("name", error_text(error))
        else:
            message = MSG_ADDED if created else services.MSG_EXISTS
            (messages.success if created else messages.info)(request, message % {"name": entrance.name})
            return redirect("passes:entrances")
    return render(
        request, "passes/entrances.html", {"form": form, "entrances": selectors.entrances_managed_by(request.user)}
    )


def _set_open(request, pk: int, is_open: bool):
    entrance = selectors.entrance_get_managed_or_404(request.user, pk)
    entrance = services.entrance_set_open(entrance=entrance, is_open=is_open, changed_by=request.user)
    messages.success(request, (MSG_OPENED if is_open else MSG_CLOSED) % {"name": entrance.name})
    return redirect("passes:entrances")


@require_POST
@login_required
def entrance_close(request, pk: int):
    return _set_open(request, pk, False)


@require_POST
@login_required
def entrance_reopen(request, pk: int):
    return _set_open(request, pk, True)


@require_POST
@login_required
def entrance_choose(request):
    """The guard's choice for the shift, kept in a cookie on the phone (the page's script mirrors it)."""
    require_role(request.user, (Role.CHECKPOINT_STAFF,))
    try:
        entrance_id = services.entrance_for_check(user=request.user, raw=request.POST.get("entrance"))
    except services.EntranceRefused as refusal:
        messages.error(request, refusal.message)
        response = redirect("passes:check")
        response.delete_cookie(ENTRANCE_COOKIE)
        return response
    response = redirect("passes:check")
    if entrance_id is not None:
        name = next((e.name for e in selectors.entrances_to_choose(request.user) if e.pk == entrance_id), "")
        messages.success(request, MSG_CHOSEN % {"name": name})
        response.set_cookie(ENTRANCE_COOKIE, str(entrance_id), max_age=SHIFT_SECONDS, samesite="Lax")
    return response
