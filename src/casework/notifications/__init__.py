"""Notifications for users: @mentions in case comments, read from the console inbox."""
