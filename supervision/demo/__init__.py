"""The supervision office's side of the demo district, which ``manage.py seed_demo_supervision`` adds to
``seed_demo``'s: ``year`` is what supervisors and units did over the year's months (joint review meetings,
rectifications and appeals, circulars, re-checks), ``walkthrough`` what docs/walkthrough.md starts from this
week. ``office`` is what both act with: the people, the calendar and the moments.
"""
