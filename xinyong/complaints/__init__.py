"""Complaints and reports (投诉举报, QZ art. 37): filed by anyone, handled by one assigned handler who alone sees the complainant; the result is told to the complainant."""
