"""The sumsub dialect."""
