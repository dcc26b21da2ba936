"""The administrator-loadable holiday table (days off, make-up working days) behind the
working-day calendar (xinyong/workdays.py): loading a year from a file, showing a year."""
