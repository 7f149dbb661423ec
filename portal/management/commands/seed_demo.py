from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from portal.demo import DEMO_DISTRICTS, demo_seed
from portal.demo_city import demo_city_seed
from reference.models import District

MSG_REFUSED = _("seed_demo 只能在 DEBUG 开启时运行: 演示账号使用公开的密码, 绝不能出现在生产环境。")


MSG_NO_REFERENCE = _("请先运行 manage.py load_reference 载入区镇和行业分类。")


class Command(BaseCommand):
    help = "创建演示账号(每个角色一个)、两个区镇的演示企业和演示城市的近 30 天数据。可重复运行。"

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(MSG_REFUSED)
        if not District.objects.filter(code__in=DEMO_DISTRICTS).exists():
            raise CommandError(MSG_NO_REFERENCE)
        users = demo_seed(password=settings.DEMO_PASSWORD)
        staff = {user.district_id: user for user in users if user.role == Role.DISTRICT_STAFF}
        if demo_city_seed(staff_by_district=staff):
            self.stdout.write("演示城市: 各区镇的企业和近 30 天的备案、日报、产能和每日汇总已生成。")
        self.stdout.write(f"演示账号(密码均为 DEMO_PASSWORD: {settings.DEMO_PASSWORD}):")
        for user in users:
            self.stdout.write(f"  {user.username:<18} {user.get_role_display()}")
