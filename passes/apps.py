from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PassesConfig(AppConfig):
    name = "passes"
    verbose_name = _("返岗人员与通行证")

    def ready(self) -> None:
        from passes import checks  # noqa: F401  (registers the key checks)
