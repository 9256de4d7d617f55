"""Regulatory reports: goAML and FinCEN SAR filings drafted from a case, validated against
the regulator's schema, approved by a second person and recorded as filed."""
