from django.core.management.base import BaseCommand

from accounts.reference import reference_load
from negative_list.services import industries_load


class Command(BaseCommand):
    help = "载入参考数据: 国民经济行业分类(GB/T 4754-2017)、昆山区镇、社区(村)、行业主管部门。可重复运行。"

    def handle(self, *args, **options):
        industries = industries_load()
        counts = reference_load()
        self.stdout.write(f"行业分类 {industries} 条; 区镇 {counts['districts']} 个; "
                          f"社区(村) {counts['communities']} 个; 行业主管部门 {counts['industry_authorities']} 个。")
