"""The runtime core, the same in every mode (core.py), and what runs when (schedule.py).

Drivers in bot/drivers decide when the core's work runs and who sends; the core imports none.
"""
