"""Go-live reference data that administrators load from Excel: the communities and villages (社区/村) and the
city-management offices (城市管理办事处, districts of their own). All or nothing through core.excel: any error and
nothing is written, with an annotated workbook to correct. Rows are keyed by their stable code, so the same file
loaded again changes nothing, and a corrected name is updated in place."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from core import excel
from reference.models import Community, District

MSG_UNKNOWN_DISTRICT = _("属地不存在, 请填写属地名称或代码, 如“张浦镇”; 城市管理办事处请先导入办事处。")
MSG_BAD_CODE = _("代码只能由字母、数字、短横线和下划线组成, 如 zhangpu-001。")
MSG_DUPLICATE_CODE_IN_FILE = _("与第 {row} 行的代码重复。")
MSG_DUPLICATE_NAME_IN_FILE = _("与第 {row} 行同属地同名。")
MSG_NAME_TAKEN = _("该名称已被代码为 {code} 的另一行使用。")
MSG_UNKNOWN_KIND = _("类型请填写“开发区/功能区”“镇”或“城市管理办事处”。")


def _code(max_length: int):
    def parse(value) -> str:
        text = excel.plain_text(value)
        if len(text) > max_length:
            raise ValidationError(excel.MSG_TOO_LONG % {"max": max_length})
        try:
            validate_slug(text)
        except ValidationError as error:
            raise ValidationError(MSG_BAD_CODE) from error
        return text.lower()

    return parse


def _district_parser():
    districts = {}
    for district in District.objects.all():
        districts[district.name] = district
        districts[district.code] = district

    def parse(value) -> District:
        found = districts.get(excel.plain_text(value))
        if found is None:
            raise ValidationError(MSG_UNKNOWN_DISTRICT)
        return found

    return parse


def _kind(value) -> str:
    text = excel.plain_text(value)
    for kind, label in District.Kind.choices:
        if text in (kind, str(label)):
            return kind
    raise ValidationError(MSG_UNKNOWN_KIND)


def community_columns() -> list[excel.Column]:
    return [
        excel.Column("district", "属地", parse=_district_parser(), width=16, help_text="区镇或城市管理办事处名称"),
        excel.Column("code", "社区(村)代码", parse=_code(30), width=20, help_text="稳定代码, 如 zhangpu-001"),
        excel.Column("name", "社区(村)名称", parse=excel.parse_text(50), width=24),
    ]


def office_columns() -> list[excel.Column]:
    return [
        excel.Column("code", "代码", parse=_code(20), width=16, help_text="稳定代码, 如 cgb-yushan"),
        excel.Column("name", "名称", parse=excel.parse_text(50), width=24, help_text="如 玉山城市管理办事处"),
        excel.Column("kind", "类型", required=False, parse=_kind, width=16, help_text="空白为城市管理办事处"),
    ]


@dataclass
class ReferenceImport:
    result: excel.ImportResult
    columns: list[excel.Column]
    created: int = 0
    updated: int = 0


def _unique_in_file(result: excel.ImportResult, key, column: str, message) -> None:
    first: dict = {}
    for row in result.rows:
        value = key(row)
        if value is None:
            continue
        if value in first:
            result.add_error(row["_row"], column, message.format(row=first[value]))
        else:
            first[value] = row["_row"]


def communities_import(*, upload) -> ReferenceImport:
    """Communities and villages keyed by code; an imported one is real data (no longer a demo community)."""
    columns = community_columns()
    result = excel.read_rows(upload, columns)
    outcome = ReferenceImport(result, columns)
    _unique_in_file(result, lambda row: row.get("code"), "code", MSG_DUPLICATE_CODE_IN_FILE)
    _unique_in_file(
        result,
        lambda row: (row["district"].pk, row["name"]) if row.get("district") and row.get("name") else None,
        "name",
        MSG_DUPLICATE_NAME_IN_FILE,
    )
    if not result.ok:
        return outcome
    with transaction.atomic():
        existing = {c.code: c for c in Community.objects.select_for_update()}
        by_name = {(c.district_id, c.name): c.code for c in existing.values()}
        for row in result.rows:
            taken = by_name.get((row["district"].pk, row["name"]))
            if taken is not None and taken != row["code"]:
                result.add_error(row["_row"], "name", MSG_NAME_TAKEN.format(code=taken))
        if not result.ok:
            return outcome
        new, changed = [], []
        for row in result.rows:
            community = existing.get(row["code"])
            if community is None:
                new.append(Community(code=row["code"], district=row["district"], name=row["name"], is_demo=False))
            elif (community.district_id, community.name, community.is_demo) != (row["district"].pk, row["name"], False):
                community.district, community.name, community.is_demo = row["district"], row["name"], False
                changed.append(community)
        Community.objects.bulk_update(changed, ["district", "name", "is_demo"], batch_size=1000)
        Community.objects.bulk_create(new, batch_size=1000)
        outcome.created, outcome.updated = len(new), len(changed)
    return outcome


def offices_import(*, upload) -> ReferenceImport:
    """City-management offices (and any other district) keyed by code, placed after the districts there are."""
    columns = office_columns()
    result = excel.read_rows(upload, columns)
    outcome = ReferenceImport(result, columns)
    _unique_in_file(result, lambda row: row.get("code"), "code", MSG_DUPLICATE_CODE_IN_FILE)
    _unique_in_file(result, lambda row: row.get("name"), "name", MSG_DUPLICATE_NAME_IN_FILE)
    if not result.ok:
        return outcome
    with transaction.atomic():
        existing = {d.code: d for d in District.objects.select_for_update()}
        by_name = {d.name: d.code for d in existing.values()}
        for row in result.rows:
            taken = by_name.get(row["name"])
            if taken is not None and taken != row["code"]:
                result.add_error(row["_row"], "name", MSG_NAME_TAKEN.format(code=taken))
        if not result.ok:
            return outcome
        order = District.objects.aggregate(m=Max("sort_order"))["m"] or 0
        for row in result.rows:
            kind = row.get("kind") or District.Kind.OFFICE
            district = existing.get(row["code"])
            if district is None:
                order += 1
                District.objects.create(code=row["code"], name=row["name"], kind=kind, sort_order=order)
                outcome.created += 1
            elif (district.name, district.kind) != (row["name"], kind):
                district.name, district.kind = row["name"], kind
                district.save(update_fields=["name", "kind"])
                outcome.updated += 1
    return outcome
