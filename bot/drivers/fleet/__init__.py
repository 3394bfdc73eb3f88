"""Fleet mode: several `newsbot run --fleet` processes on one PostgreSQL, jobs on procrastinate.

Every member runs a procrastinate worker (feed polls and the schedule table's jobs), watches
the seed, rule and feed files, and waits for the leader lock. The member holding it is the
fleet's sender of record and its one Telegram update taker (member.py, leader.py, jobs.py).
"""
