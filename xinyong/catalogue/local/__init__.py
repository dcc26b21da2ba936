"""The local supplementary catalogue (地方补充目录): items staff add on a page, versioned in the
database, joined to the file catalogue by xinyong.catalogue.local.merge."""
