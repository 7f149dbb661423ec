from django.urls import path

from labour.views import complaints, disputes, drives, figures, supply

app_name = "labour"

urlpatterns = [
    # --- shortages (labour/views/supply.py) ---
    path("needs/", supply.need_list, name="needs"),
    path("needs/export.xlsx", supply.need_export, name="needs_export"),
    path("needs/new/", supply.need_create, name="need_create"),
    path("needs/<int:pk>/", supply.need_detail, name="need_detail"),
    path("needs/<int:pk>/edit/", supply.need_edit, name="need_edit"),
    path("needs/<int:pk>/hire/", supply.need_hire, name="need_hire"),
    path("needs/<int:pk>/close/", supply.need_close, name="need_close"),
    path("needs/<int:pk>/reopen/", supply.need_reopen, name="need_reopen"),
    # --- HR agencies and pairings ---
    path("agencies/", supply.agency_list, name="agencies"),
    path("agencies/export.xlsx", supply.agency_export, name="agencies_export"),
    path("agencies/new/", supply.agency_create, name="agency_create"),
    path("agencies/<int:pk>/", supply.agency_detail, name="agency_detail"),
    path("agencies/<int:pk>/edit/", supply.agency_edit, name="agency_edit"),
    path("pairings/", supply.pairing_list, name="pairings"),
    path("pairings/export.xlsx", supply.pairing_export, name="pairings_export"),
    path("pairings/new/", supply.pairing_create, name="pairing_create"),
    path("pairings/<int:pk>/", supply.pairing_detail, name="pairing_detail"),
    path("pairings/<int:pk>/end/", supply.pairing_end, name="pairing_end"),
    # --- drives and partner regions (labour/views/drives.py) ---
    path("regions/", drives.partner_region_list, name="regions"),
    path("regions/options/", drives.region_options, name="region_options"),
    path("drives/", drives.drive_list, name="drives"),
    path("drives/export.xlsx", drives.drive_export, name="drives_export"),
    path("drives/new/", drives.drive_create, name="drive_create"),
    path("drives/<int:pk>/", drives.drive_detail, name="drive_detail"),
    path("drives/<int:pk>/participants/", drives.drive_participant_add, name="drive_participant_add"),
    path("drives/<int:pk>/results/<int:participant>/", drives.drive_result, name="drive_result"),
    path("drives/<int:pk>/complete/", drives.drive_complete, name="drive_complete"),
    path("drives/<int:pk>/cancel/", drives.drive_cancel, name="drive_cancel"),
    # --- complaints about the HR market (labour/views/complaints.py) ---
    path("complaints/", complaints.complaint_list, name="complaints"),
    path("complaints/export.xlsx", complaints.complaint_export, name="complaints_export"),
    path("complaints/new/", complaints.complaint_create, name="complaint_create"),
    path("complaints/public/", complaints.complaint_public, name="complaint_public"),
    path("complaints/<int:pk>/", complaints.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/accept/", complaints.complaint_accept, name="complaint_accept"),
    path("complaints/<int:pk>/close/", complaints.complaint_close, name="complaint_close"),
    # --- labour disputes (labour/views/disputes.py) ---
    path("disputes/", disputes.dispute_list, name="disputes"),
    path("disputes/export.xlsx", disputes.dispute_export, name="disputes_export"),
    path("disputes/new/", disputes.dispute_create, name="dispute_create"),
    path("disputes/<int:pk>/", disputes.dispute_detail, name="dispute_detail"),
    path("disputes/<int:pk>/<slug:action>/", disputes.dispute_act, name="dispute_act"),
    # --- figures (labour/views/figures.py) ---
    path("figures/", figures.figures, name="figures"),
    path("figures/dashboard/", figures.dashboard_section, name="dashboard_section"),
    path("figures/export.xlsx", figures.figures_export, name="figures_export"),
]
