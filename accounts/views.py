from typing import cast

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors
from accounts.forms import LoginForm
from accounts.models import User
from accounts.services import notification_mark_all_read, user_password_changed


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("portal:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        user_password_changed(user=cast(User, self.request.user))  # the view requires a signed-in user
        messages.success(self.request, _("密码已修改。"))
        return response


@login_required
def notifications(request):
    return render(
        request, "accounts/notifications.html", {"notifications": selectors.notification_list_for(request.user)[:100]}
    )


@require_POST
@login_required
def notifications_read(request):
    notification_mark_all_read(user=request.user)
    return redirect("accounts:notifications")
