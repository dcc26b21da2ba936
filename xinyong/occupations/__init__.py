"""Key occupational groups (重点职业人群, QZ art. 30 para. 2): the sector authority's view of its own profession."""
