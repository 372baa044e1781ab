"""What every supervision export shares: labels in Chinese and English, times in Beijing time, the .xlsx type.

The Chinese headers and labels of the ledgers, minutes and circulars are the
forms the district's offices file and compare, so each export writes them out
as (Chinese, English) pairs rather than leaving them to a translation that
might drift; ``in_language`` picks the one of the active language.
"""

from datetime import datetime

from django.utils.translation import get_language

from workflow.workdays import SHANGHAI

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def shanghai_text(moment: datetime | None) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment else ""


def in_language(labels: tuple[str, str]) -> str:
    """The Chinese or the English label, the way ``Category.name`` chooses."""
    chinese, english = labels
    return english if (get_language() or "").startswith("en") else chinese
