"""The province-scale dataset: a district with N cases, its people and enterprises, every case's history.

Shape at a million cases (proportional below): 2,000 cadres in about 60 units, 50,000 enterprises each
with a three-level 包保 row and a contact, cases 10% opened / 30% assigned / 10% resolved / 50% closed
over a year, 5% of the opened and assigned ones overdue. Every case gets the events of its transitions
and the clocks (``DeadlineCycle``) the deadline rules give them (docs/deadlines.md): routing, first
reply, response, resolution and confirmation, with breaches, send-backs, reopens and extensions where
the history has them. Running clocks stand where a sweep running all along would have left them: no
reminder is due at the dataset's moment, and overdue cases three working days late are urged.

Each case's history is a pure function of (seed, its index), so the data is the same for a seed; the
cases are written in filing order, so ids and numbers grow with ``filed_at`` as in a real database.

Its parts: the proportions (``shape``), the district (``district``), the run and the case plans (``builder``),
each case's story (``story``, on the bookkeeping of ``history``), and what they pass between them (``parts``).
"""

from .builder import ScaleDataset
from .district import PASSWORD
from .shape import Shape

__all__ = ["PASSWORD", "ScaleDataset", "Shape"]
