"""Statutory deadlines of procedure steps, counted in working days (QZ art. 23, 36)."""
