from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("公共组件")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from core.middleware import stamp_session_on_login

        user_logged_in.connect(stamp_session_on_login, dispatch_uid="core.stamp_session_on_login")

        from django.conf import settings

        if settings.DEBUG and settings.DEMO_TODAY:
            from core.clock import demo_clock_install

            demo_clock_install(settings.DEMO_TODAY)
