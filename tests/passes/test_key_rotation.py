"""Key rotation (issue 20, item 6): ID numbers re-encrypted under the newest key in resumable batches, and the pass
signing key's retire-and-publish cycle. Run on PostgreSQL in CI (row locks per batch)."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.urls import reverse

from passes import personal_data, signing
from passes.models import ReturnPass, Worker
from passes.services import return_passes as services
from passes.services.keys import id_number_keys_rotate
from tests.passes.factories import WorkerFactory, issued_pass

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def id_keys(settings):
    def use(*keys):
        settings.ID_NUMBER_ENCRYPTION_KEYS = list(keys)
        personal_data._fernet.cache_clear()

    yield use
    personal_data._fernet.cache_clear()


def _readable_with(key: str) -> bool:
    tokens = Worker.objects.values_list("id_number_encrypted", flat=True)
    try:
        return all(Fernet(key).decrypt(token.encode()) for token in tokens)
    except Exception:  # noqa: BLE001
        return False


@pytest.mark.django_db
def test_rotation_reencrypts_every_id_number_and_a_second_run_writes_nothing(id_keys, enterprise_a):
    id_keys(OLD)
    workers = WorkerFactory.create_batch(5, enterprise=enterprise_a)
    numbers = {w.pk: personal_data.decrypt_id_number(w.id_number_encrypted) for w in workers}

    id_keys(NEW, OLD)
    out = io.StringIO()
    call_command("rotate_id_number_keys", "--batch-size", "2", stdout=out)
    assert "共重新加密 5 条" in out.getvalue()
    assert _readable_with(NEW) and not _readable_with(OLD)

    id_keys(NEW)  # the old key dropped: every number still reads
    assert {w.pk: personal_data.decrypt_id_number(w.id_number_encrypted) for w in Worker.objects.all()} == numbers
    assert sum(rewritten for _last, rewritten in id_number_keys_rotate()) == 0


@pytest.mark.django_db
def test_an_interrupted_rotation_resumes_where_it_stopped(id_keys, enterprise_a):
    id_keys(OLD)
    WorkerFactory.create_batch(5, enterprise=enterprise_a)
    id_keys(NEW, OLD)
    batches = id_number_keys_rotate(batch_size=2)
    assert next(batches)[1] == 2  # the run stops after its first batch
    batches.close()
    assert not _readable_with(NEW)
    assert sum(rewritten for _last, rewritten in id_number_keys_rotate(batch_size=2)) == 3
    assert _readable_with(NEW)


def _lines(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


@pytest.fixture
def fresh_keyring(settings):
    signing.keyring.cache_clear()
    yield settings
    signing.keyring.cache_clear()


def _deploy(settings, lines: dict[str, str]) -> None:
    if "PASS_SIGNING_KEY" in lines:
        settings.PASS_SIGNING_KEY = lines["PASS_SIGNING_KEY"]
    settings.PASS_VERIFYING_KEYS = [k for k in lines["PASS_VERIFYING_KEYS"].split(",") if k]
    signing.keyring.cache_clear()


@pytest.mark.django_db
def test_the_signing_key_is_retired_only_when_no_live_pass_needs_it(
    fresh_keyring, client, enterprise_user_a, district_staff_a
):
    settings = fresh_keyring
    settings.PASS_SIGNING_KEY = signing.new_private_key_text()
    signing.keyring.cache_clear()
    old_pass = issued_pass(enterprise_user_a, district_staff_a)
    old_kid = signing.keyring().signing_kid

    out = io.StringIO()
    call_command("rotate_pass_signing_key", stdout=out)
    _deploy(settings, _lines(out.getvalue()))
    new_pass = issued_pass(enterprise_user_a, district_staff_a)
    assert signing.keyring().signing_kid != old_kid
    assert signing.verify(old_pass.token) and signing.verify(new_pass.token)
    published = {key["kid"] for key in client.get(reverse("passes:keys")).json()["keys"]}
    assert published == {old_kid, signing.keyring().signing_kid}

    out = io.StringIO()
    call_command("rotate_pass_signing_key", "--retire", stdout=out)
    assert f"保留 {old_kid}" in out.getvalue()  # the old pass is still valid
    assert _lines(out.getvalue())["PASS_VERIFYING_KEYS"] == ",".join(settings.PASS_VERIFYING_KEYS)

    services.return_pass_revoke(return_pass=old_pass, revoked_by=district_staff_a, reason="测试: 员工已离职")
    assert ReturnPass.objects.get(pk=old_pass.pk).status == ReturnPass.Status.REVOKED
    out = io.StringIO()
    call_command("rotate_pass_signing_key", "--retire", stdout=out)
    assert f"停用 {old_kid}" in out.getvalue()
    _deploy(settings, _lines(out.getvalue()))
    assert [key["kid"] for key in client.get(reverse("passes:keys")).json()["keys"]] == [signing.keyring().signing_kid]
    with pytest.raises(signing.InvalidPassToken):
        signing.verify(old_pass.token)
    assert signing.verify(new_pass.token)
