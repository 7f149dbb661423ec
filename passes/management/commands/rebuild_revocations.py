from django.core.management.base import BaseCommand, CommandError

from passes import revocations


class Command(BaseCommand):
    help = "从数据库重建 Redis 中的通行证吊销/暂停名单(Redis 数据丢失后核验也会自动重建)。"

    def handle(self, *args, **options):
        if revocations.client() is None:
            self.stdout.write("未配置 REDIS_URL: 核验直接读取数据库, 无需重建。")
            return
        copied = revocations.rebuild()
        if copied is None:
            raise CommandError("另一个进程正在重建, 请稍后再试。")
        self.stdout.write(f"已重建: {copied} 张吊销或暂停的通行证。")
