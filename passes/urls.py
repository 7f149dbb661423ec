from django.urls import path

from passes.views import return_passes  # noqa: F401  (each area adds its module to this import)

app_name = "passes"

# Each area keeps its routes in its own section, so that the sections can grow independently.
urlpatterns = [
    # --- roster (passes/views/roster.py) ---
    # --- return passes (passes/views/return_passes.py) ---
    path("", return_passes.pass_list, name="list"),
    # --- checkpoint verification and public keys (passes/views/checkpoint.py) ---
    # --- risk areas (passes/views/risk_areas.py) ---
    # --- point-to-point transport (passes/views/transport.py) ---
]
