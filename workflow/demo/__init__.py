"""The demo district that ``manage.py seed_demo`` writes.

``district`` is its master data (units, people, enterprises, 包保, key projects), ``texts`` what its people
write, ``casework`` the steps every case story is made of, ``stories/`` one module per desk of the README's
demo accounts, and ``seed`` runs it all in order. Every case goes through ``workflow.services``, so it has
the event history, deadlines and notifications a real case would have.
"""
