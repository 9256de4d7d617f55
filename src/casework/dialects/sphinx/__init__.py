"""The sphinx dialect."""
