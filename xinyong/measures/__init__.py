"""Joint incentives and punishments (联合奖惩): published measure lists, the joint check, and
applications of measures with the agency's feedback (FZ art. 15-17, QZ art. 18-19, 24)."""
