from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PassesConfig(AppConfig):
    name = "passes"
    verbose_name = _("返岗人员与通行证")

    def ready(self) -> None:
        from core.rosters import register_roster_reader
        from passes import checks  # noqa: F401  (registers the key checks)
        from passes.selectors.roster import roster_rows_for_filing

        register_roster_reader(roster_rows_for_filing)  # a filing attaches the roster kept here

        from passes import retention

        retention.register()  # the personal data kept here, into the nightly retention sweep
