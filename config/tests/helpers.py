"""What the API tests share: the OpenAPI document as the schema endpoint serves it."""

from drf_spectacular.generators import SchemaGenerator


def schema_document() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)
