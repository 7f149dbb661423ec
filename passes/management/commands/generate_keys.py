"""Print fresh keys for a production environment, or the two lines that rotate the pass signing key."""

import base64
import secrets

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command
from django.core.management.base import BaseCommand

from passes import signing


def public_key_text(public_key) -> str:
    """A public key as PASS_VERIFYING_KEYS takes it: the PEM, base64 on one line (no commas, no newlines)."""
    pem = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(pem).decode()


class Command(BaseCommand):
    help = (
        "打印一套新密钥(ID_NUMBER_ENCRYPTION_KEYS、ID_NUMBER_HMAC_KEY、PASS_SIGNING_KEY), 写入生产环境变量。"
        "--rotate: 只打印更换通行证签名密钥所需的两行(新的 PASS_SIGNING_KEY, 以及含当前签名公钥的 "
        "PASS_VERIFYING_KEYS), 旧密钥签发的通行证在其过期前仍可核验。密钥只输出到终端, 不写入任何文件或数据库。"
        "尚无密钥时设置不允许关闭 DEBUG 启动, 请这样运行: DEBUG=1 manage.py generate_keys"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="轮换签名密钥: 新 PASS_SIGNING_KEY + 保留当前公钥的 PASS_VERIFYING_KEYS",
        )

    def handle(self, *args, rotate: bool = False, **options):
        if rotate:  # the first step of rotate_pass_signing_key, under its older name
            call_command("rotate_pass_signing_key", stdout=self.stdout)
            return
        self.stdout.write("# 新环境的密钥: 妥善保管, 不要提交到代码仓库。")
        self.stdout.write("# ID_NUMBER_HMAC_KEY 一经使用不能更换(身份证号查重依赖它); 加密密钥可轮换(新密钥放在最前)。")
        self.stdout.write(f"ID_NUMBER_ENCRYPTION_KEYS={Fernet.generate_key().decode()}")
        self.stdout.write(f"ID_NUMBER_HMAC_KEY={secrets.token_urlsafe(32)}")
        self.stdout.write(f"PASS_SIGNING_KEY={signing.new_private_key_text()}")
