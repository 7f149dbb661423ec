from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "workforce"
    verbose_name = "用工与产能"

    def ready(self):
        from enterprises.standing import register_standing_refresher
        from workforce.resumption import standings_refresh

        register_standing_refresher(standings_refresh)
