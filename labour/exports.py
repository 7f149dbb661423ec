"""Excel exports of every labour list (core.excel: styled, formula-injection guarded). Worker names in
disputes leave only masked, as on the pages."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import excel
from passes.personal_data import mask_name

DATETIME = "yyyy-mm-dd hh:mm"
DATE = "yyyy-mm-dd"


def _local(moment):
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def masked_names(text: str) -> str:
    from labour.services.disputes import worker_name_list

    return "、".join(mask_name(name) for name in worker_name_list(text))


NEED_COLUMNS = [
    excel.Column("enterprise", _("企业名称"), width=34),
    excel.Column("district", _("属地"), width=12),
    excel.Column("job", _("岗位"), width=16),
    excel.Column("positions", _("招聘人数"), width=10),
    excel.Column("hired", _("已到岗"), width=10),
    excel.Column("open", _("尚缺"), width=10),
    excel.Column("wage", _("月薪(元)"), width=14),
    excel.Column("skills", _("技能要求"), width=24),
    excel.Column("start_on", _("到岗日期"), width=12, number_format=DATE),
    excel.Column("housing", _("提供住宿"), width=10),
    excel.Column("status", _("状态"), width=10),
    excel.Column("created_at", _("登记时间"), width=18, number_format=DATETIME),
]


def need_rows(needs):
    for n in needs.iterator(chunk_size=2000):
        yield [
            n.enterprise.name,
            n.enterprise.district.name,
            n.job,
            n.positions,
            n.hired,
            n.open_positions,
            f"{n.wage_min}-{n.wage_max}",
            n.skills,
            n.start_on,
            excel.FLAG_TEXT[n.housing_offered],
            n.get_status_display(),
            _local(n.created_at),
        ]


AGENCY_COLUMNS = [
    excel.Column("name", _("机构名称"), width=30),
    excel.Column("credit_code", _("统一社会信用代码"), width=22),
    excel.Column("licence", _("许可证编号"), width=18),
    excel.Column("contact", _("联系人"), width=10),
    excel.Column("mobile", _("联系电话"), width=14),
    excel.Column("district", _("登记属地"), width=12),
    excel.Column("pairings", _("结对中企业"), width=10),
    excel.Column("active", _("有效"), width=8),
]


def agency_rows(agencies):
    for a in agencies:
        yield [
            a.name,
            a.credit_code,
            a.licence_number,
            a.contact_name,
            a.contact_mobile,
            a.district.name if a.district else str(_("人社局(全市)")),
            a.active_pairings,
            excel.FLAG_TEXT[a.is_active],
        ]


PAIRING_COLUMNS = [
    excel.Column("agency", _("人力资源机构"), width=30),
    excel.Column("enterprise", _("企业"), width=34),
    excel.Column("district", _("属地"), width=12),
    excel.Column("covered", _("对接岗位人数"), width=12),
    excel.Column("delivered", _("已输送到岗"), width=12),
    excel.Column("started_on", _("结对日期"), width=12, number_format=DATE),
    excel.Column("status", _("状态"), width=10),
]


def pairing_rows(pairings):
    for p in pairings.iterator(chunk_size=2000):
        yield [
            p.agency.name,
            p.enterprise.name,
            p.enterprise.district.name,
            p.positions_covered,
            p.hires_delivered,
            p.started_on,
            p.get_status_display(),
        ]


DRIVE_COLUMNS = [
    excel.Column("title", _("活动名称"), width=28),
    excel.Column("region", _("招聘地区"), width=28),
    excel.Column("organiser", _("组织单位"), width=14),
    excel.Column("starts_on", _("开始日期"), width=12, number_format=DATE),
    excel.Column("ends_on", _("结束日期"), width=12, number_format=DATE),
    excel.Column("enterprises", _("参加企业"), width=10),
    excel.Column("offered", _("提供岗位"), width=10),
    excel.Column("signed", _("签约人数"), width=10),
    excel.Column("arrived", _("已抵昆"), width=10),
    excel.Column("status", _("状态"), width=10),
    excel.Column("flag", _("风险提示"), width=40),
]


def drive_rows(drives):
    for d in drives:
        yield [
            d.title,
            d.region.full_name,
            d.district.name if d.district else str(_("人社局")),
            d.starts_on,
            d.ends_on,
            d.enterprise_count,
            d.offered or 0,
            d.signed or 0,
            d.arrived or 0,
            d.get_status_display(),
            d.risk_flag,
        ]


COMPLAINT_COLUMNS = [
    excel.Column("reference", _("投诉编号"), width=22),
    excel.Column("kind", _("类型"), width=14),
    excel.Column("target", _("被投诉单位"), width=30),
    excel.Column("created_at", _("投诉时间"), width=18, number_format=DATETIME),
    excel.Column("deadline", _("办理期限"), width=18, number_format=DATETIME),
    excel.Column("status", _("状态"), width=10),
    excel.Column("outcome", _("处理结果"), width=16),
    excel.Column("note", _("处理情况"), width=40),
]


def complaint_rows(complaints):
    for c in complaints.iterator(chunk_size=2000):
        yield [
            c.reference,
            c.get_kind_display(),
            c.target_name,
            _local(c.created_at),
            _local(c.deadline),
            c.get_status_display(),
            c.get_outcome_display(),
            c.outcome_note,
        ]


DISPUTE_COLUMNS = [
    excel.Column("enterprise", _("企业"), width=34),
    excel.Column("district", _("属地"), width=12),
    excel.Column("kind", _("纠纷类型"), width=10),
    excel.Column("workers", _("涉及人数"), width=10),
    excel.Column("names", _("涉及职工(脱敏)"), width=24),
    excel.Column("amount", _("涉及金额(元)"), width=14, number_format="#,##0.00"),
    excel.Column("source", _("来源"), width=10),
    excel.Column("status", _("状态"), width=12),
    excel.Column("deadline", _("化解期限"), width=18, number_format=DATETIME),
    excel.Column("escalated", _("已超期上报"), width=10),
    excel.Column("outcome", _("处理结果"), width=40),
    excel.Column("created_at", _("登记时间"), width=18, number_format=DATETIME),
]


def dispute_rows(disputes):
    for d in disputes.iterator(chunk_size=2000):
        yield [
            d.enterprise.name,
            d.enterprise.district.name,
            d.get_kind_display(),
            d.workers_involved,
            masked_names(d.worker_names),
            d.amount,
            d.get_source_display(),
            d.get_status_display(),
            _local(d.deadline),
            excel.FLAG_TEXT[d.escalated_at is not None],
            d.outcome,
            _local(d.created_at),
        ]


FIGURE_DISTRICT_COLUMNS = [
    excel.Column("district", _("属地"), width=14),
    excel.Column("open_needs", _("招聘中岗位"), width=10),
    excel.Column("open_positions", _("用工缺口(人)"), width=12),
    excel.Column("hired", _("累计到岗"), width=10),
    excel.Column("pairings", _("结对中"), width=10),
    excel.Column("covered", _("结对岗位人数"), width=12),
    excel.Column("delivered", _("结对输送到岗"), width=12),
    excel.Column("disputes_open", _("未办结纠纷"), width=10),
    excel.Column("disputes_settled", _("基层化解"), width=10),
    excel.Column("disputes_referred", _("移交仲裁"), width=10),
    excel.Column("disputes_workers", _("涉及职工"), width=10),
]
FIGURE_INDUSTRY_COLUMNS = [
    excel.Column("section", _("门类"), width=8),
    excel.Column("name", _("行业"), width=30),
    excel.Column("open_needs", _("招聘中岗位"), width=10),
    excel.Column("open_positions", _("用工缺口(人)"), width=12),
    excel.Column("hired", _("累计到岗"), width=10),
]
FIGURE_REGION_COLUMNS = [
    excel.Column("region", _("招聘地区"), width=30),
    excel.Column("drives", _("活动次数"), width=10),
    excel.Column("offered", _("提供岗位"), width=10),
    excel.Column("signed", _("签约人数"), width=10),
    excel.Column("arrived", _("已抵昆"), width=10),
]


def figures_sheet(figures: dict) -> excel.Sheet:
    keys = [c.key for c in FIGURE_DISTRICT_COLUMNS[1:]]
    return excel.Sheet(
        title=str(_("用工保障")),
        columns=FIGURE_DISTRICT_COLUMNS,
        rows=[[row["district"].name, *(row[k] for k in keys)] for row in figures["districts"]],
        heading=str(_("用工保障与劳动关系情况")),
        subheading=str(_("导出时间: %(now)s") % {"now": timezone.localtime().strftime("%Y-%m-%d %H:%M")}),
        totals=[str(_("合计")), *(figures["totals"][k] for k in keys)],
        tables=[
            excel.Table(
                columns=FIGURE_INDUSTRY_COLUMNS,
                heading=str(_("按行业")),
                rows=[
                    [r["section"], r["name"], r["open_needs"], r["open_positions"], r["hired"]]
                    for r in figures["industries"]
                ],
            ),
            excel.Table(
                columns=FIGURE_REGION_COLUMNS,
                heading=str(_("招聘活动按地区")),
                rows=[
                    [r["region__full_name"], r["drives"], r["offered"], r["signed"], r["arrived"]]
                    for r in figures["regions"]
                ],
            ),
        ],
    )
