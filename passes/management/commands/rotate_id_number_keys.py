from django.core.management.base import BaseCommand

from passes.services.keys import id_number_keys_rotate


class Command(BaseCommand):
    help = (
        "用 ID_NUMBER_ENCRYPTION_KEYS 中的第一个(最新)密钥重新加密全部身份证号。"
        "分批进行, 每批一个短事务; 已是最新密钥的记录跳过, 中断后重新运行即可续做, 重复运行不改写任何记录。"
        "完成后才能从环境变量中删除旧密钥。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000, help="每批记录数(默认 1000)")
        parser.add_argument("--after", type=int, default=0, help="从该主键之后继续(用于续做; 默认从头)")

    def handle(self, *args, batch_size: int, after: int, **options):
        total = 0
        for last_pk, rewritten in id_number_keys_rotate(batch_size=batch_size, after_pk=after):
            total += rewritten
            self.stdout.write(f"已处理至主键 {last_pk}, 本批重新加密 {rewritten} 条")
        self.stdout.write(self.style.SUCCESS(f"完成: 共重新加密 {total} 条身份证号。现在可以删除旧密钥。"))
