"""Filings in every state, built through the services so each test starts from a real workflow state."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from filings import services
from filings.models import Filing, FilingMaterial
from negative_list.models import NegativeList, NegativeListEntry
from reference.models import Industry
from tests.excel_helpers import xlsx_upload

# The filing's roster template (filings.services.ROSTER_TEMPLATE_COLUMNS) and one worker.
ROSTER_HEADERS = ["姓名", "身份证号", "手机号", "岗位", "来昆前所在地(省市县)", "返昆日期", "在昆居住地址"]
ROSTER_ROW = ["张三", "320583199001011234", "13900000011", "操作工", "江苏省昆山市", "2020-02-20", "张浦镇前进路1号"]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name="方案.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def material_upload(kind: str):
    if kind == FilingMaterial.Kind.ROSTER:
        return xlsx_upload(ROSTER_HEADERS, [ROSTER_ROW], name="花名册.xlsx")
    return pdf_upload(f"{kind}.pdf")


STEP_DATA = {
    "scope_work": True,
    "scope_production": True,
    "scope_business": False,
    "planned_resume_on": dt.date(2020, 3, 10),
    "planned_headcount": 80,
    "masks_in_stock": 2000,
    "thermometers_in_stock": 20,
    "has_disinfection": True,
    "has_isolation_room": True,
    "canteen": Filing.Canteen.STAGGERED,
    "contact_name": "防控专员",
    "contact_mobile": "13912345678",
    "commitment_accepted": True,
}


def complete_draft(enterprise_user, **overrides) -> Filing:
    filing = services.filing_start(enterprise=enterprise_user.enterprise, started_by=enterprise_user)
    services.filing_update(filing=filing, data={**STEP_DATA, **overrides}, updated_by=enterprise_user)
    for kind in FilingMaterial.Kind.values:
        services.filing_material_upload(
            filing=filing, kind=kind, upload=material_upload(kind), uploaded_by=enterprise_user
        )
    filing.refresh_from_db()
    return filing


def submitted(enterprise_user, **overrides) -> Filing:
    return services.filing_submit(filing=complete_draft(enterprise_user, **overrides), submitted_by=enterprise_user)


def publish_negative_list(*entries, effective_from=dt.date(2020, 3, 1), source="昆防指〔2020〕19号") -> NegativeList:
    """A published version restricting (industry code, scopes) pairs; scopes default to all three."""
    version = NegativeList.objects.create(
        title="测试清单",
        source_document=source,
        effective_from=effective_from,
        status=NegativeList.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    for code, *scopes in entries:
        scopes = scopes[0] if scopes else ("work", "production", "business")
        NegativeListEntry.objects.create(
            negative_list=version,
            industry=Industry.objects.get(code=code),
            reason="人员密集场所",
            restricts_work="work" in scopes,
            restricts_production="production" in scopes,
            restricts_business="business" in scopes,
        )
    return version
