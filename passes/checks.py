"""Start-up checks: a malformed key must stop a deployment, not the first checkpoint scan."""

from django.core.checks import Error, register


@register()
def pass_keys_check(app_configs, **kwargs):
    from passes import personal_data, signing

    errors = []
    try:
        signing.keyring()
    except (ValueError, TypeError) as exc:
        errors.append(Error(f"PASS_SIGNING_KEY / PASS_VERIFYING_KEYS cannot be loaded: {exc}", id="passes.E001"))
    try:
        personal_data.encrypt_id_number("0")
    except (ValueError, TypeError) as exc:
        errors.append(Error(f"ID_NUMBER_ENCRYPTION_KEYS are not Fernet keys: {exc}", id="passes.E002"))
    return errors
