"""Size limits of input files, shared by the validation modules.

They keep one replication to seconds and a file's validation bounded, so a
mistyped number (a million injects, a rate of 10,000 per hour) is rejected
with the limit stated instead of running for hours. Real scenarios stay far
below them.
"""

MAX_INJECTS = 10_000
MAX_TASK_TYPES = 2_000
MAX_STAFF = 1_000
MAX_TEAMS = 200
MAX_HORIZON = 30 * 24 * 60.0
MAX_RATE_PER_HOUR = 600.0
MAX_INJECT_TASKS = 20_000
MAX_STREAM_ARRIVALS = 100_000
MAX_FOLLOW_UP_TASKS = 1_000
"""``MAX_INJECT_TASKS`` bounds the tasks all injects create together,
``MAX_STREAM_ARRIVALS`` the expected stream arrivals within the horizon, and
``MAX_FOLLOW_UP_TASKS`` the expected tasks one task's chain of follow-ups creates.
"""
