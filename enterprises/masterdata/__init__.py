"""A district's master data in and out as one workbook (docs/masterdata.md).

``schema`` names the sheets and columns, ``workbook`` reads and writes the file, ``existing`` reads what
the database holds and ``export`` writes it out; ``planner`` checks an uploaded workbook against it and
``compare`` says what would change, both into a ``plan``, which ``apply`` writes in one transaction;
``jobs`` runs it all for the page as Celery jobs, and ``services`` is what the page's administrator does:
upload, confirm, discard.
"""
