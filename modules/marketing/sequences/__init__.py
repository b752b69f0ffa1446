"""Drip sequences (docs/marketing.md, "Drip sequences"): series of
messages with waits between them, which contacts enter by a trigger
(joining a segment, confirming a sign-up, a gift) and go through once.

- `models.py`: sequences, steps (each step's text is a carrier campaign),
  enrolments;
- `enrol.py`: entering and leaving, merge and erase;
- `triggers.py`: the segment schedule and the signal listeners;
- `sending.py`: claiming due steps and sending them with the campaign engine;
- `schedule.py`: the schedule and job around sending;
- `steps.py`: adding, changing and removing steps; `forms.py` their forms;
- `stats.py`: counts per step for the sequence page;
- `timeline.py`: the contact timeline's entries.
"""
