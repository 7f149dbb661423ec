from django.urls import path

from passes.views import checkpoint, entrances, health, pass_links, return_passes, risk_areas, roster, transport  # noqa: F401  (each area adds its module to this import)

app_name = "passes"

# Each area keeps its routes in its own section, so that the sections can grow independently.
urlpatterns = [
    # The QR link is the busiest URL of the portal (every checkpoint scan): first, so that resolving it tries no
    # other route (kunshan_resume/urls.py puts passes/ ahead of the "" includes for the same reason).
    path("verify/<str:token>", checkpoint.verify, name="verify"),
    # --- roster (passes/views/roster.py) ---
    path("roster/", roster.roster_list, name="roster"),
    path("roster/new/", roster.worker_create, name="roster_create"),
    path("roster/origins/", roster.roster_origins, name="roster_origins"),
    path("roster/communities/", roster.roster_communities, name="roster_communities"),
    path("roster/<int:pk>/", roster.worker_detail, name="roster_detail"),
    path("roster/<int:pk>/edit/", roster.worker_edit, name="roster_edit"),
    path("roster/<int:pk>/leave/", roster.worker_leave, name="roster_leave"),
    path("roster/<int:pk>/id-number/", roster.worker_id_number, name="roster_id_number"),
    path("roster/import/", roster.roster_import, name="roster_import"),
    path("roster/import/<int:pk>/", roster.roster_import_status, name="roster_import_status"),
    path("roster/import/<int:pk>/errors.xlsx", roster.roster_import_errors, name="roster_import_errors"),
    path("roster/export/", roster.roster_export, name="roster_export"),
    path("roster/template.xlsx", roster.roster_template, name="roster_template"),
    # --- daily health sheet and health incidents (passes/views/health.py) ---
    path("health/", health.health_sheet, name="health_sheet"),
    path("health/template.xlsx", health.health_template, name="health_template"),
    path("health/import/", health.health_import, name="health_import"),
    path("health/import/<int:pk>/", health.health_import_status, name="health_import_status"),
    path("health/import/<int:pk>/errors.xlsx", health.health_import_errors, name="health_import_errors"),
    path("health/incidents/", health.health_incidents, name="health_incidents"),
    path("health/incidents/<int:pk>/", health.health_incident, name="health_incident"),
    path("health/incidents/<int:pk>/close/", health.health_incident_close, name="health_incident_close"),
    # --- return passes (passes/views/return_passes.py) ---
    path("", return_passes.pass_list, name="list"),
    path("export.xlsx", return_passes.pass_export, name="export"),
    path("print/", return_passes.pass_sheet, name="print"),
    path("apply/", return_passes.pass_apply, name="apply"),
    path("batches/", return_passes.batch_list, name="batch_list"),
    path("queue/", return_passes.batch_queue, name="queue"),
    path("batches/<int:pk>/", return_passes.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/decide/", return_passes.batch_decide, name="batch_decide"),
    path("<int:pk>/", return_passes.pass_detail, name="detail"),
    path("<int:pk>/card/", return_passes.pass_card, name="card"),
    path("<int:pk>/phone/", return_passes.pass_phone, name="phone"),
    path("<int:pk>/revoke/", return_passes.pass_revoke, name="revoke"),
    path("<int:pk>/suspend/", return_passes.pass_suspend, name="suspend"),
    path("<int:pk>/reinstate/", return_passes.pass_reinstate, name="reinstate"),
    path("<int:pk>/reissue/", return_passes.pass_reissue, name="reissue"),
    # --- the worker's own pass link (passes/views/pass_links.py) ---
    path("<int:pk>/send-link/", pass_links.pass_link_resend, name="send_link"),
    path("mine/<str:token>", pass_links.own_pass, name="own"),
    # --- checkpoint verification (the QR link is at the top) and public keys (passes/views/checkpoint.py) ---
    path("check/", checkpoint.check, name="check"),
    path("check/number/", checkpoint.check_number, name="check_number"),
    path("check/revocations.json", checkpoint.revocations, name="check_revocations"),
    path("check/upload/", checkpoint.check_upload, name="check_upload"),
    path("check/manifest.webmanifest", checkpoint.manifest, name="check_manifest"),
    path("check/sw.js", checkpoint.service_worker, name="check_sw"),
    path("checks/", checkpoint.check_log, name="checks"),
    path("checks/export.xlsx", checkpoint.check_log_export, name="checks_export"),
    path("keys.json", checkpoint.keys, name="keys"),
    # --- entrances (passes/views/entrances.py) ---
    path("entrances/", entrances.entrance_list, name="entrances"),
    path("entrances/choose/", entrances.entrance_choose, name="entrance_choose"),
    path("entrances/<int:pk>/close/", entrances.entrance_close, name="entrance_close"),
    path("entrances/<int:pk>/reopen/", entrances.entrance_reopen, name="entrance_reopen"),
    # --- risk areas (passes/views/risk_areas.py) ---
    path("risk-areas/", risk_areas.public, name="risk_areas"),
    path("risk-areas/<int:pk>/", risk_areas.version_detail, name="risk_area_version"),
    path("risk-areas/<int:pk>/export.xlsx", risk_areas.version_export, name="risk_area_version_export"),
    path("risk-areas/manage/", risk_areas.manage.manage_list, name="risk_area_manage"),
    path("risk-areas/manage/new/", risk_areas.manage.manage_create, name="risk_area_manage_create"),
    path("risk-areas/manage/template.xlsx", risk_areas.manage.manage_import_template, name="risk_area_manage_template"),
    path("risk-areas/manage/<int:pk>/", risk_areas.manage.manage_detail, name="risk_area_manage_detail"),
    path("risk-areas/manage/<int:pk>/publish/", risk_areas.manage.manage_publish, name="risk_area_manage_publish"),
    path("risk-areas/manage/<int:pk>/import/", risk_areas.manage.manage_import, name="risk_area_manage_import"),
    path("risk-areas/manage/<int:pk>/export.xlsx", risk_areas.manage.manage_export, name="risk_area_manage_export"),
    path("risk-areas/manage/areas/<int:pk>/remove/", risk_areas.manage.manage_remove, name="risk_area_manage_remove"),
    # --- point-to-point transport (passes/views/transport.py) ---
    path("transport/", transport.transport_list, name="transport_list"),
    path("transport/new/", transport.transport_new, name="transport_new"),
    path("transport/origins/", transport.transport_origins, name="transport_origins"),
    path("transport/queue/", transport.transport_queue, name="transport_queue"),
    path("transport/export.xlsx", transport.transport_export, name="transport_export"),
    path("transport/<int:pk>/", transport.transport_detail, name="transport_detail"),
    path("transport/<int:pk>/<slug:action>/", transport.transport_act, name="transport_act"),
]
