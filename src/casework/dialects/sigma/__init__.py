"""The sigma dialect."""
