"""Credit reports (信用报告): the subject's full report, the public report and the special credit
report (专项信用报告) that replaces "no violation record" certificates (QZ art. 10-11, FZ art. 13,
24), rendered as signed PDFs with a verification code anyone can check (xinyong.reports.signing)."""
