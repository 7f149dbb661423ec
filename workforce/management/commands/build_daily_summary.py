from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from workforce.services import daily_summary_build


class Command(BaseCommand):
    help = "生成(或重新生成)某一天的用工情况汇总: 每个区镇一行, 全市一行。可重复运行, 结果相同。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD, 默认今天(本地时间)")
        parser.add_argument("--final", action="store_true", help="标记为终稿(截止时间之后)")

    def handle(self, *args, **options):
        try:
            day = date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError:
            raise CommandError("日期格式应为 YYYY-MM-DD") from None
        rows = daily_summary_build(day=day, final=options["final"])
        city = rows[-1]
        self.stdout.write(
            f"{day}: {len(rows)} 行; 全市应报 {city.expected} 家, 已报 {city.reported} 家, 在岗 {city.on_duty} 人。"
        )
