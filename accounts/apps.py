import axes.apps
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账户与属地")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from accounts.backends import forget_cached_user
        from accounts.models import User

        # Infrastructure, not business logic: a saved user must never be served from the cache.
        post_save.connect(forget_cached_user, sender=User, dispatch_uid="accounts.forget_cached_user_save")
        post_delete.connect(forget_cached_user, sender=User, dispatch_uid="accounts.forget_cached_user_delete")

        from accounts import retention

        retention.register()  # text messages, into the nightly retention sweep

        # A sign-in stamps last_login without saving the user, so that it is not a change in the user's history.
        from django.contrib.auth.signals import user_logged_in

        from accounts.backends import stamp_last_login

        user_logged_in.disconnect(dispatch_uid="update_last_login")
        user_logged_in.connect(stamp_last_login, dispatch_uid="accounts.stamp_last_login")


class AxesConfig(axes.apps.AppConfig):
    """django-axes (login lockout) under a Chinese name in the admin; its model names are translated in locale/."""

    default = False  # "accounts" in INSTALLED_APPS still means AccountsConfig
    verbose_name = _("登录保护")
