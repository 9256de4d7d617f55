"""Ongoing monitoring: monitored customers are rescreened when a list changes."""
