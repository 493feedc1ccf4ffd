"""Helpers every service shares (logging, environment, PII masking, Redis): imports nothing of the project."""
