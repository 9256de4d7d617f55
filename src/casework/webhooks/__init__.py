"""Webhooks: endpoints, Standard Webhooks signatures, SSRF-safe delivery with retries."""
