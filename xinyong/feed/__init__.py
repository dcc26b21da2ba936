"""The change feed receiving systems follow (QZ art. 36, NDRC Order 36)."""
