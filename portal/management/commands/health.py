import json

from django.core.management.base import BaseCommand

from portal.health import OK, readiness

# Exit codes as monitoring plugins read them (Nagios/Zabbix convention).
EXIT = {"ok": 0, "degraded": 1, "down": 2}


class Command(BaseCommand):
    help = "打印就绪状态(数据库、缓存、消息队列、定时任务心跳、每日汇总)的 JSON; 退出码 0 正常, 1 降级, 2 不可用。"

    def handle(self, *args, **options):
        status = readiness()
        self.stdout.write(json.dumps(status, ensure_ascii=False))
        if status["status"] != OK:
            raise SystemExit(EXIT[status["status"]])
