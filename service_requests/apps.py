from django.apps import AppConfig


class ServiceRequestsConfig(AppConfig):
    name = "service_requests"
    verbose_name = "企业诉求"

    def ready(self) -> None:
        # The daily workbook (workforce) gains a sheet of request figures. workforce knows nothing of this app:
        # the allowed direction is service_requests -> workforce, so the sheet is registered from this side.
        from service_requests.workbook import request_figures_sheet
        from workforce.workbook import register_extra_sheet

        register_extra_sheet(request_figures_sheet)
