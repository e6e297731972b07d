"""Open311 responses in the two formats of GeoReport v2: XML (with the UTF-8
declaration, root and item elements as the specification names them) and JSON."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from django.http import HttpResponse

XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
# The element name of one entry inside a list-valued field.
LIST_ITEMS = {"attributes": "attribute", "values": "value", "endpoints": "endpoint",
              "formats": "format"}
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, data: dict[str, Any]) -> None:
    for key, value in data.items():
        child = ET.SubElement(element, key)
        if isinstance(value, list):
            tag = LIST_ITEMS.get(key, "item")
            for entry in value:
                sub = ET.SubElement(child, tag)
                if isinstance(entry, dict):
                    _fill(sub, entry)
                else:
                    sub.text = _text(entry)
        elif isinstance(value, dict):
            _fill(child, value)
        else:
            child.text = _text(value)


def to_xml(root: str, item: str | None, data: list[dict[str, Any]] | dict[str, Any]) -> str:
    """`<root><item>…</item>…</root>` for a list, `<root>…</root>` for one object."""
    top = ET.Element(root)
    if isinstance(data, list):
        for entry in data:
            _fill(ET.SubElement(top, item or "item"), entry)
    else:
        _fill(top, data)
    return XML_DECLARATION + ET.tostring(top, encoding="unicode")


def respond(fmt: str, root: str, item: str | None, data: list[dict[str, Any]] | dict[str, Any],
            status: int = 200) -> HttpResponse:
    body = to_xml(root, item, data) if fmt == "xml" else json.dumps(data, ensure_ascii=False)
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])
    response["Access-Control-Allow-Origin"] = "*"
    return response


def error(fmt: str, status: int, description: str,
          headers: dict[str, str] | None = None) -> HttpResponse:
    response = respond(fmt, "errors", "error", [{"code": status, "description": description}],
                       status=status)
    for key, value in (headers or {}).items():
        response[key] = value
    return response
