"""Notifications to the people who must act (staff, agencies) or be told (subjects)."""
