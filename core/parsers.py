"""The API's JSON parser. Its own module: DRF's settings import it, so it must not import DRF's views."""

from rest_framework import exceptions, parsers

# Deeper than any body the API takes (a meeting's decision with its sub-cases is 3 levels), far below
# the depth at which decoding, validating or storing a document would exhaust Python's stack.
MAX_JSON_DEPTH = 32
JSON_TOO_DEEP = "json_too_deep"


def json_depth_exceeds(value, limit: int) -> bool:
    """Whether objects and arrays nest more than ``limit`` levels; a loop, so no document can exhaust the stack."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser that refuses a document nested too deeply with a 400 ``parse_error``.

    Python's decoder recurses once per level, so two kilobytes of brackets raise RecursionError,
    which DRF's parser does not catch (a 500); a document just shallow enough to decode would fail
    the same way later, in validation or when stored.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(code=JSON_TOO_DEEP) from None
        if json_depth_exceeds(data, MAX_JSON_DEPTH):
            raise exceptions.ParseError(code=JSON_TOO_DEEP)
        return data
