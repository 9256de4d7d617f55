"""The analyst console: server-rendered pages under ``/console``."""
