"""Beat sends tasks by name; a worker must know each name, or the reminders and tidy-ups it stands for never run.

Tasks are found the way a worker finds them as it starts: Celery's
autodiscovery of each app's ``tasks`` module (the worker also runs Django's
checks then, which read the database). A task moved to another module without
its registered name is caught here rather than by a silent schedule.
"""

from django.conf import settings

from config.celery import app


def test_it_knows_every_task_the_beat_schedule_sends(db):
    app.loader.import_default_modules()

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert scheduled
    assert sorted(scheduled - set(app.tasks)) == []
