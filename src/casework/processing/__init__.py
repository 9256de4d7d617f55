"""The case life cycle that spans features: claiming, running and finishing checks,
rolling their results into cases, the cases they lead to (child cases, follow-ups),
and the cases that a rule's hits or a rescreen's open.

This layer sits above the features and is the only place that opens a case on another
feature's behalf; no feature imports it. The application and the worker list its jobs
(``processing.tasks``).
"""
