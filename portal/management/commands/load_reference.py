from django.core.management.base import BaseCommand

from labour.services.drives import partner_region_demo_load
from negative_list.services import negative_list_demo_load
from passes.services.risk_areas import risk_area_list_demo_load
from policies.services import policy_catalogue_demo_load
from reference.services import divisions_load, industries_load, reference_load


class Command(BaseCommand):
    help = (
        "载入参考数据: 国民经济行业分类(GB/T 4754-2017)、行政区划(GB/T 2260)、昆山区镇、社区(村)、行业主管部门; "
        "尚无任何负面清单或风险地区名单时各载入一份演示版本, 尚无惠企政策时载入演示政策目录。可重复运行。"
    )

    def handle(self, *args, **options):
        industries = industries_load()
        divisions = divisions_load()
        counts = reference_load()
        self.stdout.write(
            f"行业分类 {industries} 条; 行政区划 {divisions} 个; 区镇 {counts['districts']} 个; "
            f"社区(村) {counts['communities']} 个; 行业主管部门 {counts['industry_authorities']} 个。"
        )
        demo = negative_list_demo_load()
        if demo is not None:
            self.stdout.write(
                self.style.WARNING(
                    f"已载入演示负面清单“{demo.title}”({demo.entries.count()} 个条目)。它不是官方文本: "
                    "上线前请系统管理员在“清单管理”中按正式文件新建并发布新版本。"
                )
            )
        risk_demo = risk_area_list_demo_load()
        if risk_demo is not None:
            self.stdout.write(
                self.style.WARNING(
                    f"已载入演示风险地区名单“{risk_demo.title}”({risk_demo.areas.count()} 个地区)。它不是官方文本: "
                    "上线前请系统管理员在“风险地区管理”中按正式文件新建并发布新版本。"
                )
            )
        if partner_region_demo_load():
            self.stdout.write(
                self.style.WARNING(
                    "已载入演示“20+20”合作地区(标为演示数据)。上线前请系统管理员在管理后台按正式名单维护。"
                )
            )
        policies = policy_catalogue_demo_load()
        if policies is not None:
            self.stdout.write(
                self.style.WARNING(
                    f"已载入演示惠企政策目录(“15条政策”和“20项服务举措”, 共 {policies} 条)。它不是官方文本: "
                    "上线前请系统管理员在后台“惠企政策”中按正式文件修改或替换。"
                )
            )
