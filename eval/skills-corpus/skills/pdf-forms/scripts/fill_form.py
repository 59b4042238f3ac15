#!/usr/bin/env python3
"""List, fill and flatten the fields of a fillable PDF form (AcroForm) with pypdf."""
import json
import sys

from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, BooleanObject


def list_fields(path):
    """Print every field with its type, current value and, for checkboxes, the allowed states."""
    reader = PdfReader(path)
    for name, field in (reader.get_fields() or {}).items():
        states = field.get("/_States_", [])
        print(json.dumps({"name": name, "type": field.get("/FT"), "value": field.get("/V"), "states": states}))


def fill(path, values_path, out_path, flatten=False):
    """Fill the form from a JSON object of field name to value; optionally flatten so it cannot be edited."""
    reader = PdfReader(path)
    writer = PdfWriter()
    writer.append(reader)
    with open(values_path, encoding="utf-8") as f:
        values = json.load(f)
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
    writer._root_object["/AcroForm"][NameObject("/NeedAppearances")] = BooleanObject(True)
    if flatten:
        writer.flatten = True
        for page in writer.pages:
            writer.update_page_form_field_values(page, values, flatten=True)
    with open(out_path, "wb") as f:
        writer.write(f)


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "fields":
        list_fields(sys.argv[2])
    elif command == "fill":
        fill(sys.argv[2], sys.argv[3], sys.argv[4], flatten="--flatten" in sys.argv)
    else:
        sys.exit(f"unknown command {command}")
