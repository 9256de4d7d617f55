"""Regulatory reports: the goAML and FinCEN SAR writers, checked against the regulators' schemas."""
