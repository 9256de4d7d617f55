"""casework: compliance case management and screening."""

__version__ = "0.1.0"
