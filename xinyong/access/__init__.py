"""The query gate (查询): who may read a subject's non-public credit information, on what
basis, and the log of every attempt (FZ art. 11-13, 24; QZ art. 10, 14-15, 33).

- ``rules``       the bases as pure decisions, each with its reason and article;
- ``gate``        `check`: load the facts, decide, write the access log — every read of
                  non-public information goes through it;
- ``service``     written authorisations (grant, revoke) and query items (draft, publish,
                  withdraw), versioned and audited;
- ``views``       the gated profile read and the access log as subjects and auditors see it;
- ``api``, ``pages``, ``office_pages``  thin routes.
"""
