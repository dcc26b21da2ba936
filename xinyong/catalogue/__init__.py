"""Public credit information catalogue (公共信用信息目录): items and their fields, as data."""
from xinyong.catalogue.loader import (
    Catalogue,
    CatalogueError,
    CatalogueItem,
    Category,
    FieldDef,
    get_catalogue,
    load_catalogue,
    normalise_header,
)

__all__ = [
    "Catalogue", "CatalogueError", "CatalogueItem", "Category", "FieldDef",
    "get_catalogue", "load_catalogue", "normalise_header",
]
