

app_name = "passes"

urlpatterns = [
    # --- roster (passes/views/roster.py) ---
    # --- return passes (passes/views/return_passes.py) ---
    # --- checkpoint verification and public keys (passes/views/checkpoint.py) ---
    # --- risk areas (passes/views/risk_areas.py) ---
    # --- point-to-point transport (passes/views/transport.py) ---
]
