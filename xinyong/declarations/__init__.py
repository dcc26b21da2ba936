"""Self-declared information (自主申报/声明/自愿注册, QZ art. 13, FZ art. 10 para. 2): a subject
provides its own market credit information under a truth pledge; the platform labels it as
self-declared and unverified wherever it appears."""
