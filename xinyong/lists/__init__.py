"""Lists (红名单 / 黑名单 / 严重失信主体名单) as procedures: proposal, prior notice, objection,
decision, publication and removal (QZ art. 20-23; FZ art. 14, 16-18; Guobanfa [2020] 49)."""
