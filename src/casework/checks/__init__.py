"""Automated checks on a case: one runner per type, the job that runs them, the API."""
