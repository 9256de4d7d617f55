"""Vendor-compatible APIs: each translates its requests and answers, then calls the
same services as ``/v1``. No business rule lives here."""
