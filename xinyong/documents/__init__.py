"""Written notices and decisions (PDF) kept for their addressees."""
