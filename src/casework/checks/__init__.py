"""Checks run on a case: each works out a finding from the details given to it."""
