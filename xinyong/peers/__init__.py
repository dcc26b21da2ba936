"""Peer platforms that recognise each other (QZ art. 6, FZ art. 7): each other's signed
reports at /verify, and each other's punitive lists in the joint check."""
