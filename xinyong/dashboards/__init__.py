"""Dashboards for the credit department (issue 5 point 7): volumes, data quality per agency, procedure counts and deadline compliance, aggregated in SQL and drawn as inline SVG."""
