"""The pass signing key's retire-and-publish cycle (README, "Keys"):

1. `manage.py rotate_pass_signing_key` prints a new PASS_SIGNING_KEY and PASS_VERIFYING_KEYS holding the current
   signing key's public key. Deploy both and restart: new passes are signed with the new key; passes signed with
   the old one keep verifying, and /passes/keys.json publishes both public keys to offline verifiers.
2. `manage.py rotate_pass_signing_key --retire` (any time later) prints PASS_VERIFYING_KEYS without the retired
   keys that no valid or suspended pass needs any more. Deploy it: those keys leave keys.json, and what they
   signed no longer verifies.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from passes import signing
from passes.management.commands.generate_keys import public_key_text
from passes.models import ReturnPass

LIVE = (ReturnPass.Status.VALID, ReturnPass.Status.SUSPENDED)


class Command(BaseCommand):
    help = (
        "更换通行证签名密钥。默认: 打印新的 PASS_SIGNING_KEY 和保留当前公钥的 PASS_VERIFYING_KEYS"
        "(旧通行证继续可核验)。--retire: 打印去掉已无有效或暂停通行证使用的旧公钥后的 PASS_VERIFYING_KEYS。"
        "密钥只输出到终端。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--retire", action="store_true", help="停用不再需要的旧核验公钥")

    def handle(self, *args, retire: bool = False, **options):
        if retire:
            self._retire()
        else:
            self._rotate()

    def _rotate(self) -> None:
        ring = signing.keyring()
        retired = [*settings.PASS_VERIFYING_KEYS, public_key_text(ring.signing_key.public_key())]
        self.stdout.write("# 更换通行证签名密钥: 用下面两行替换环境变量后重启。")
        self.stdout.write(f"# 当前密钥 {ring.signing_kid} 转为只核验;")
        self.stdout.write(
            f"# 待它签发的通行证全部过期(最长 {settings.PASS_VALIDITY_MAX_DAYS} 天)后, "
            "运行 rotate_pass_signing_key --retire 停用它。"
        )
        self.stdout.write(f"PASS_SIGNING_KEY={signing.new_private_key_text()}")
        self.stdout.write(f"PASS_VERIFYING_KEYS={','.join(retired)}")

    def _retire(self) -> None:
        keep = []
        for text in settings.PASS_VERIFYING_KEYS:
            kid = signing.key_id(signing.load_public_key(text))
            live = ReturnPass.objects.filter(status__in=LIVE, token__startswith=signing.token_prefix(kid)).count()
            if live:
                keep.append(text)
                self.stdout.write(f"# 保留 {kid}: 仍有 {live} 张有效或暂停的通行证由它签发")
            else:
                self.stdout.write(f"# 停用 {kid}: 已无有效或暂停的通行证由它签发")
        self.stdout.write(f"PASS_VERIFYING_KEYS={','.join(keep)}")
