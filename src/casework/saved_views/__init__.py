"""Saved views: named case-queue queries each user keeps for themselves."""
