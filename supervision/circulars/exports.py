"""The circular as documents: an .xlsx workbook and an A4 PDF in the red-header style of a government circular.

Both read only the circular row and its snapshot, never the cases, so what is
exported is exactly what was reviewed and published. Labels come in Chinese
(the form the offices file and compare) or English, written out here as pairs
like the overdue ledger's, not left to a translation that might drift.
"""

from datetime import datetime
from hashlib import sha1
from io import BytesIO
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import HRFlowable, KeepTogether, LongTable, Paragraph, SimpleDocTemplate, Spacer, Table
from reportlab.platypus import TableStyle as PdfTableStyle

from core.errors import ApplicationError
from workflow.workdays import SHANGHAI

from ..exports import in_language
from .models import Circular
from .snapshot import circular_number, period_text, tier_text

PDF = "application/pdf"
RED = colors.HexColor("#D40000")
URGING = {0: ("—", "—"), 1: ("催办", "Urged"), 2: ("督办", "Supervised"), 3: ("挂牌督办", "Listed")}
CLOCKS = {"routing": ("待分派", "Routing"), "resolution": ("办理", "Resolution")}
RETURN_KINDS = {"send_back": ("退单", "Sent back"), "reopen": ("重办", "Reopened")}
SECTION_NUMBERS = ("一", "二", "三", "四", "五", "六", "七")

# --- labels --------------------------------------------------------------------------------------------------

L = {
    "draft": ("草稿", "Draft"),
    "number": ("文号", "Number"),
    "title": ("标题", "Title"),
    "period": ("统计期间", "Period"),
    "jurisdiction": ("范围", "Jurisdiction"),
    "issuer": ("发布单位", "Issued by"),
    "published_at": ("发布时间", "Published"),
    "generated_at": ("数据截至", "Figures as of"),
    "item": ("项目", "Item"),
    "value": ("内容", "Value"),
    "filed": ("受理诉求（件）", "Requests filed"),
    "due": ("应办结（件）", "Due for resolution"),
    "resolved_on_time": ("按期办结（件）", "Resolved on time"),
    "on_time_rate": ("按期办结率", "On-time rate"),
    "satisfaction_rate": ("满意率", "Satisfaction rate"),
    "sent_back": ("退单（件）", "Sent back"),
    "reopened": ("重办（件）", "Reopened"),
    "overdue": ("逾期未办结（件）", "Overdue now"),
    "overdue_units": ("涉及逾期单位（个）", "Units with overdue cases"),
    "ranked_units": ("参与排名单位（个）", "Units ranked"),
    "unit": ("责任单位", "Responsible unit"),
    "case_number": ("案件编号", "Case number"),
    "case_title": ("诉求标题", "Title"),
    "enterprise": ("企业", "Enterprise"),
    "assignee": ("承办人", "Assignee"),
    "clock": ("逾期环节", "Overdue clock"),
    "due_at": ("办结时限", "Due"),
    "workdays": ("逾期工作日", "Working days overdue"),
    "urging": ("督办级别", "Urging level"),
    "count": ("逾期件数", "Overdue cases"),
    "max_workdays": ("最长逾期工作日", "Most working days overdue"),
    "cases": ("案件", "Cases"),
    "kind": ("类型", "Kind"),
    "at": ("时间", "When"),
    "tier": ("类别", "Tier"),
    "rank": ("名次", "Rank"),
    "score": ("综合得分", "Score"),
    "response": ("响应率", "Response rate"),
    "on_time": ("按期办结率", "On-time rate"),
    "resolution": ("解决率", "Resolution rate"),
    "satisfaction": ("满意率", "Satisfaction rate"),
    "comment": ("点评", "Comment"),
    "overdue_now": ("当前逾期", "Overdue now"),
    "unassigned": ("待分派（调度室）", "Awaiting routing (dispatch room)"),
    "nobody": ("—", "—"),
    "none": ("无。", "None."),
    "sheet_summary": ("概况", "Summary"),
    "sheet_overdue": ("逾期清单", "Overdue by unit"),
    "sheet_people": ("逾期人员", "Overdue by person"),
    "sheet_returned": ("退单重办", "Returned"),
    "sheet_ranking": ("综合排名", "Ranking"),
    "sheet_worst": ("排名靠后单位", "Lowest ranked units"),
    "sheet_common": ("共性问题", "Common problems"),
    "section_common": ("共性问题", "Common problems"),
    "common_title": ("问题", "Problem"),
    "enterprises": ("涉及企业（家）", "Enterprises"),
    "state": ("状态", "State"),
    "common_open": ("办理中", "Open"),
    "common_answered": ("已答复", "Answered"),
    "common_closed": ("已销号", "Closed"),
    "series": ("督办通报", "Supervision Circular"),
    "section_summary": ("总体情况", "Overview"),
    "section_overdue": ("逾期未办结情况", "Overdue cases"),
    "section_people": ("逾期承办人", "Overdue cases by person"),
    "section_returned": ("退单和重办情况", "Cases sent back or reopened"),
    "section_ranking": ("综合排名", "Ranking of the units"),
    "section_worst": ("排名靠后单位", "The lowest ranked units"),
    "section_requirements": ("整改要求", "Requirements"),
}


def t(key: str) -> str:
    return in_language(L[key])


def local_date_text(moment: datetime) -> str:
    day = moment.astimezone(SHANGHAI).date()
    return in_language((f"{day.year}年{day.month}月{day.day}日", f"{day:%d %B %Y}"))


def _local_text(iso_text: str | None) -> str:
    return datetime.fromisoformat(iso_text).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if iso_text else ""


def _percent(value: float | None) -> str:
    return f"{100 * value:.1f}%" if value is not None else "—"


def _person_name(person: dict | None) -> str:
    return person["name"] if person else t("nobody")


def unit_name(unit: dict | None) -> str:
    return unit["name"] if unit else t("unassigned")


def _number_or_draft(circular: Circular) -> str:
    return circular_number(circular.year, circular.sequence) or t("draft")


def export_filename(circular: Circular, extension: str) -> str:
    if circular.is_published:
        return f"{circular_number(circular.year, circular.sequence)}.{extension}"
    return f"{t('series')}-{t('draft')}-{circular.pk}.{extension}"


def summary_pairs(circular: Circular) -> list[tuple[str, object]]:
    summary = circular.content["summary"]
    return [
        (t("filed"), summary["filed"]),
        (t("due"), summary["due"]),
        (t("resolved_on_time"), summary["resolved_on_time"]),
        (t("on_time_rate"), _percent(summary["on_time_rate"])),
        (t("satisfaction_rate"), _percent(summary["satisfaction_rate"])),
        (t("sent_back"), summary["sent_back"]),
        (t("reopened"), summary["reopened"]),
        (t("overdue"), summary["overdue"]),
        (t("overdue_units"), summary["overdue_units"]),
        (t("ranked_units"), summary["ranked_units"]),
    ]


def overdue_case_cells(case: dict) -> list:
    """One overdue case of the snapshot as the workbook, the PDF and the page show it."""
    return [
        case["number"],
        case["title"],
        case["enterprise"],
        _person_name(case["assignee"]),
        in_language(CLOCKS.get(case["clock"], (case["clock"], case["clock"]))),
        _local_text(case["due_at"]),
        case["workdays"],
        in_language(URGING.get(case["urging_level"], URGING[0])),
    ]


def _overdue_rows(circular: Circular) -> list[list]:
    return [
        [unit_name(group["unit"]), *overdue_case_cells(case)]
        for group in circular.content["overdue_by_unit"]
        for case in group["cases"]
    ]


def people_rows(circular: Circular) -> list[list]:
    return [
        [
            _person_name(person["person"]),
            unit_name(person["unit"]),
            person["count"],
            person["max_workdays"],
            "、".join(person["case_numbers"]),
        ]
        for person in circular.content["overdue_by_person"]
    ]


def returned_rows(circular: Circular) -> list[list]:
    return [
        [
            group["unit"]["name"],
            in_language(RETURN_KINDS[case["kind"]]),
            case["number"],
            case["title"],
            case["enterprise"],
            _person_name(case["person"]),
            _local_text(case["at"]),
        ]
        for group in circular.content["returned_by_unit"]
        for case in group["cases"]
    ]


def common_rows(circular: Circular) -> list[list]:
    """One row per common problem with its count of enterprises; circulars made before they existed have none."""
    return [
        [
            problem["title"],
            problem["unit"]["name"],
            problem["enterprises"],
            t(f"common_{problem['state']}"),
            _local_text(problem["due_at"]),
            problem["workdays"] or "—",
        ]
        for problem in circular.content.get("common_problems", [])
    ]


def ranking_rows(circular: Circular, entries: list[dict], *, rates_as_text: bool = True) -> list[list]:
    """Rates as "75.0%" for the PDF; as fractions (None without data) for a spreadsheet to compute with."""
    return [
        [
            tier_text(entry["tier"]),
            entry["rank"] if entry["rank"] is not None else "—",
            entry["unit"]["name"],
            entry["score"] if entry["score"] is not None else "—",
            *(
                _percent(entry["rates"][name]) if rates_as_text else entry["rates"][name]
                for name in ("response", "on_time", "resolution", "satisfaction")
            ),
            entry["overdue"],
        ]
        for entry in entries
    ]


def worst_rows(circular: Circular) -> list[list]:
    return [
        [
            tier_text(entry["tier"]),
            entry["rank"],
            entry["unit"]["name"],
            entry["score"],
            entry["overdue"],
            circular.unit_comments.get(str(entry["unit"]["id"]), ""),
        ]
        for entry in circular.content["worst"]
    ]


OVERDUE_HEADERS = (
    "unit",
    "case_number",
    "case_title",
    "enterprise",
    "assignee",
    "clock",
    "due_at",
    "workdays",
    "urging",
)
PEOPLE_HEADERS = ("assignee", "unit", "count", "max_workdays", "cases")
RETURNED_HEADERS = ("unit", "kind", "case_number", "case_title", "enterprise", "assignee", "at")
RANKING_HEADERS = ("tier", "rank", "unit", "score", "response", "on_time", "resolution", "satisfaction", "overdue_now")
WORST_HEADERS = ("tier", "rank", "unit", "score", "overdue_now", "comment")
COMMON_HEADERS = ("common_title", "unit", "enterprises", "state", "due_at", "workdays")


# --- the workbook --------------------------------------------------------------------------------------------


def write_circular_workbook(circular: Circular, file: IO[bytes]) -> None:
    """Summary (with the number and the lowest ranked units), overdue by unit and by person, returned, ranking."""
    workbook = Workbook()
    summary = workbook.active
    summary.title = t("sheet_summary")
    header = Font(bold=True)
    summary.append([t("item"), t("value")])
    for label, value in [
        (t("number"), _number_or_draft(circular)),
        (t("title"), circular.title),
        (t("period"), period_text(circular.period_kind, circular.period_start, circular.period_end)),
        (t("jurisdiction"), circular.jurisdiction.name),
        (t("issuer"), circular.issuing_unit.name),
        (t("published_at"), _local_text(circular.published_at.isoformat()) if circular.published_at else t("draft")),
        (t("generated_at"), _local_text(circular.content["generated_at"])),
        *summary_pairs(circular),
    ]:
        summary.append([label, value])
    summary.append([])
    summary.append([t("sheet_worst")])
    summary.append([t(key) for key in WORST_HEADERS])
    for cell in (*summary[1], *summary[summary.max_row]):
        cell.font = header
    for row in worst_rows(circular):
        summary.append(row)
    _sized(summary, (24, 60, 24, 12, 12, 40))

    sheets = (
        ("sheet_overdue", OVERDUE_HEADERS, _overdue_rows(circular), (20, 18, 30, 24, 10, 10, 17, 10, 10)),
        ("sheet_people", PEOPLE_HEADERS, people_rows(circular), (12, 20, 10, 14, 60)),
        ("sheet_returned", RETURNED_HEADERS, returned_rows(circular), (20, 8, 18, 30, 24, 10, 17)),
        (
            "sheet_ranking",
            RANKING_HEADERS,
            ranking_rows(circular, circular.content["ranking"], rates_as_text=False),
            (14, 6, 20, 10, 10, 12, 10, 10, 10),
        ),
        ("sheet_common", COMMON_HEADERS, common_rows(circular), (36, 20, 12, 10, 17, 12)),
    )
    for title, headers, rows, widths in sheets:
        sheet = workbook.create_sheet(title=t(title))
        sheet.append([t(key) for key in headers])
        for cell in sheet[1]:
            cell.font = header
            cell.alignment = Alignment(horizontal="center")
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
        _sized(sheet, widths)
    for column in workbook[t("sheet_ranking")].iter_cols(min_col=5, max_col=8, min_row=2):
        for cell in column:
            cell.number_format = "0.0%"
    workbook.save(file)


def _sized(sheet, widths: tuple[int, ...]) -> None:
    for position, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width


# --- the PDF -------------------------------------------------------------------------------------------------


class PdfFontMissing(ApplicationError):
    """The server lacks the CJK font: a setup problem the person cannot fix, so it says what to install."""

    status_code = 503
    default_code = "pdf_font_missing"


def font_settings() -> tuple[str, int]:
    return settings.HUIYIN["CIRCULAR_PDF_FONT"], int(settings.HUIYIN["CIRCULAR_PDF_FONT_INDEX"])


def _font_missing_message(path: str) -> str:
    return _(
        "The PDF cannot be made: the Chinese font %(path)s is not on the server. Install the Debian package "
        "fonts-wqy-zenhei (make install does) or point HUIYIN_CIRCULAR_PDF_FONT to a TrueType CJK font."
    ) % {"path": path}


def _cjk_font() -> str:
    """Register the configured TrueType font once per process; its subset is embedded in every PDF."""
    path, index = font_settings()
    name = f"HuiyinCJK-{sha1(f'{path}:{index}'.encode()).hexdigest()[:8]}"
    if name in pdfmetrics.getRegisteredFontNames():
        return name
    if not Path(path).is_file():
        raise PdfFontMissing(_font_missing_message(path))
    pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
    return name


class _Styles:
    def __init__(self, font: str) -> None:
        # Chinese breaks between any two characters (with its punctuation rules); English only between words,
        # and a run of Chinese inside English text is split where it must be (splitLongWords).
        wrap = in_language(("CJK", None))
        base = ParagraphStyle("body", fontName=font, fontSize=12, leading=20, wordWrap=wrap, firstLineIndent=24)
        self.series = ParagraphStyle(
            "series", parent=base, fontSize=40, leading=48, alignment=TA_CENTER, textColor=RED, firstLineIndent=0
        )
        self.number = ParagraphStyle("number", parent=base, fontSize=13, alignment=TA_CENTER, firstLineIndent=0)
        self.issuer = ParagraphStyle("issuer", parent=base, fontSize=12, firstLineIndent=0)
        self.date = ParagraphStyle("date", parent=self.issuer, alignment=TA_RIGHT)
        self.title = ParagraphStyle(
            "title",
            parent=base,
            fontSize=18,
            leading=28,
            alignment=TA_CENTER,
            firstLineIndent=0,
            spaceBefore=8,
            spaceAfter=10,
        )
        self.heading = ParagraphStyle(
            "heading",
            parent=base,
            fontSize=14,
            leading=22,
            firstLineIndent=0,
            spaceBefore=10,
            keepWithNext=1,
            spaceAfter=4,
        )
        self.subheading = ParagraphStyle("subheading", parent=base, firstLineIndent=24, spaceBefore=4, keepWithNext=1)
        self.body = base
        self.cell = ParagraphStyle("cell", parent=base, fontSize=9, leading=12, firstLineIndent=0)
        self.header_cell = ParagraphStyle("header_cell", parent=self.cell, alignment=TA_CENTER)


def _paragraph(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _grid(headers: tuple[str, ...], rows: list[list], widths: tuple[float, ...], styles: _Styles) -> Table:
    """A table that breaks across pages with its header row repeated on each."""
    data = [[_paragraph(t(key), styles.header_cell) for key in headers]]
    data += [[_paragraph(value, styles.cell) for value in row] for row in rows]
    total = sum(widths)
    usable = A4[0] - 54 * mm
    table = LongTable(data, colWidths=[usable * width / total for width in widths], repeatRows=1)
    table.setStyle(
        PdfTableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F2F2F2")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def summary_sentence(circular: Circular) -> str:
    s = circular.content["summary"]
    when = period_text(circular.period_kind, circular.period_start, circular.period_end)
    as_of = local_date_text(datetime.fromisoformat(circular.content["generated_at"]))
    return in_language(
        (
            f"{when}，{circular.jurisdiction.name}共受理企业诉求{s['filed']}件，应办结{s['due']}件，"
            f"其中按期办结{s['resolved_on_time']}件，按期办结率{_percent(s['on_time_rate'])}；"
            f"企业评价{s['rated']}件，满意率{_percent(s['satisfaction_rate'])}；退单{s['sent_back']}件，"
            f"重办{s['reopened']}件。截至{as_of}，仍有{s['overdue']}件诉求逾期未办结，涉及{s['overdue_units']}个单位。",
            f"In {when}, {circular.jurisdiction.name} received {s['filed']} enterprise requests; {s['due']} were due "
            f"for resolution, {s['resolved_on_time']} of them resolved on time (on-time rate "
            f"{_percent(s['on_time_rate'])}); {s['rated']} were rated by the enterprise (satisfaction rate "
            f"{_percent(s['satisfaction_rate'])}); {s['sent_back']} were sent back and {s['reopened']} reopened. "
            f"As of {as_of}, {s['overdue']} requests are overdue, in {s['overdue_units']} units.",
        )
    )


def issue_line(circular: Circular) -> str:
    """Under the red series name: the issue, 〔2026〕第12期, or that it is a draft."""
    if not circular.is_published:
        return f"（{t('draft')}）"
    return in_language((f"〔{circular.year}〕第{circular.sequence}期", f"[{circular.year}] No. {circular.sequence}"))


def _pdf_story(circular: Circular, styles: _Styles) -> list:
    content = circular.content
    issued = circular.published_at or datetime.fromisoformat(content["generated_at"])
    header = [
        _paragraph(t("series"), styles.series),
        _paragraph(issue_line(circular), styles.number),
        Spacer(1, 4 * mm),
        Table(
            [[_paragraph(circular.issuing_unit.name, styles.issuer), _paragraph(local_date_text(issued), styles.date)]],
            colWidths=[(A4[0] - 54 * mm) / 2] * 2,
            style=[("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)],
        ),
        HRFlowable(width="100%", thickness=2, color=RED, spaceBefore=1, spaceAfter=1),
        HRFlowable(width="100%", thickness=0.6, color=RED, spaceBefore=0, spaceAfter=6),
        _paragraph(circular.title, styles.title),
    ]
    story = [KeepTogether(header)]
    if circular.introduction:
        story.append(_paragraph(circular.introduction, styles.body))
    sections = iter(enumerate(SECTION_NUMBERS, start=1))

    def heading(key: str) -> None:
        position, chinese = next(sections)
        story.append(_paragraph(in_language((f"{chinese}、", f"{position}. ")) + t(key), styles.heading))

    heading("section_summary")
    story.append(_paragraph(summary_sentence(circular), styles.body))

    heading("section_overdue")
    if content["overdue_by_unit"]:
        for group in content["overdue_by_unit"]:
            story.append(
                _paragraph(
                    in_language(
                        (
                            f"{unit_name(group['unit'])}：逾期{group['count']}件，最长逾期{group['max_workdays']}个工作日。",
                            f"{unit_name(group['unit'])}: {group['count']} overdue, the longest by "
                            f"{group['max_workdays']} working days.",
                        )
                    ),
                    styles.subheading,
                )
            )
            rows = [
                [
                    case["number"],
                    case["title"],
                    case["enterprise"],
                    _person_name(case["assignee"]),
                    case["workdays"],
                    in_language(URGING.get(case["urging_level"], URGING[0])),
                ]
                for case in group["cases"]
            ]
            story.append(
                _grid(
                    ("case_number", "case_title", "enterprise", "assignee", "workdays", "urging"),
                    rows,
                    (24, 26, 22, 13, 12, 14),
                    styles,
                )
            )
        story.append(_paragraph(t("section_people"), styles.subheading))
        story.append(_grid(PEOPLE_HEADERS, people_rows(circular), (12, 20, 10, 12, 46), styles))
    else:
        story.append(_paragraph(t("none"), styles.body))

    heading("section_returned")
    if content["returned_by_unit"]:
        story.append(_grid(RETURNED_HEADERS, returned_rows(circular), (16, 8, 22, 22, 20, 10, 19), styles))
    else:
        story.append(_paragraph(t("none"), styles.body))
    # Under the same heading, so that the sections keep the numbers earlier circulars gave them.
    if common_rows(circular):
        story.append(_paragraph(t("section_common"), styles.subheading))
        story.append(_grid(COMMON_HEADERS, common_rows(circular), (36, 20, 12, 10, 19, 13), styles))

    heading("section_ranking")
    for tier in dict.fromkeys(entry["tier"] for entry in content["ranking"]):
        entries = [entry for entry in content["ranking"] if entry["tier"] == tier]
        story.append(_paragraph(tier_text(tier), styles.subheading))
        # The subheading names the tier, so its column is left out.
        rows = [row[1:] for row in ranking_rows(circular, entries)]
        story.append(_grid(RANKING_HEADERS[1:], rows, (7, 26, 10, 10, 12, 10, 10, 10), styles))

    heading("section_worst")
    if content["worst"]:
        story.append(_grid(WORST_HEADERS, worst_rows(circular), (14, 7, 22, 10, 10, 37), styles))
    else:
        story.append(_paragraph(t("none"), styles.body))

    heading("section_requirements")
    for line in (circular.requirements or t("none")).splitlines():
        if line.strip():
            story.append(_paragraph(line.strip(), styles.body))
    return story


def write_circular_pdf(circular: Circular, file: IO[bytes]) -> None:
    """A4, GB/T 9704-style margins, the red header on the first page, page numbers, a watermark on drafts."""
    font = _cjk_font()
    styles = _Styles(font)
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        topMargin=30 * mm,
        bottomMargin=28 * mm,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        title=circular.title,
        author=circular.issuing_unit.name,
        subject=_number_or_draft(circular),
    )

    def decorate(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(font, 11)
        canvas.drawCentredString(A4[0] / 2, 15 * mm, f"— {doc.page} —")
        if not circular.is_published:
            canvas.setFillColor(colors.Color(0.8, 0.8, 0.8, alpha=0.35))
            canvas.setFont(font, 96)
            canvas.translate(A4[0] / 2, A4[1] / 2)
            canvas.rotate(35)
            canvas.drawCentredString(0, 0, t("draft"))
        canvas.restoreState()

    document.build(_pdf_story(circular, styles), onFirstPage=decorate, onLaterPages=decorate)
    file.write(buffer.getvalue())
