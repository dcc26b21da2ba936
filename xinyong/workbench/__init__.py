"""Each role's home after sign-in (工作台): what waits for it, soonest first, with its deadline
and state, and the unread notifications; a subject's own home (profile, documents, procedures
in progress). Issue #13 point 4."""
