"""Bulletins (通知公告 / 政策法规): what the credit department publishes on the portal (QZ art. 10
para. 2, FZ art. 6), with the regulations and measure lists the platform applies."""
