"""A district's master data in and out as one workbook (docs/masterdata.md).

``schema`` names the sheets and columns, ``workbook`` reads and writes the file, ``export`` fills it
from the database, ``plan`` checks an uploaded one against the database and says what would change,
``apply`` writes that plan in one transaction, ``jobs`` runs it all for the page as Celery jobs, and
``services`` is what the page's administrator does: upload, confirm, discard.
"""
