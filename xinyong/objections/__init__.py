"""Objections (异议) to credit records: a subject (or its agent at the window) objects with
grounds, reasons and evidence; the record is marked under objection everywhere it appears; the
source agency verifies on a deadline and corrects or upholds it; the subject gets a written
result with the remedies that remain (FZ art. 25; QZ art. 34, 38)."""
