#!/usr/bin/env python3
"""Detects the encoding and delimiter of a CSV export and writes a cleaned UTF-8 copy."""
import argparse
import csv
import io

import pandas as pd

ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")


def detect(path):
    """Returns (encoding, delimiter) of a CSV file by trying encodings and sniffing the first lines."""
    raw = open(path, "rb").read(64_000)
    for encoding in ENCODINGS:
        try:
            sample = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    dialect = csv.Sniffer().sniff(sample.splitlines()[0] + "\n", delimiters=",;\t|")
    return encoding, dialect.delimiter


def normalise_number(value):
    """Turns '1.234,56' or '1,234.56' into 1234.56."""
    text = str(value).strip().replace(" ", "")
    if "," in text and text.rfind(",") > text.rfind("."):
        text = text.replace(".", "").replace(",", ".")
    else:
        text = text.replace(",", "")
    return float(text) if text else None


def clean(path, out, date_columns, dayfirst):
    encoding, delimiter = detect(path)
    frame = pd.read_csv(path, encoding=encoding, sep=delimiter, dtype=str)
    frame.columns = [c.strip().lower().replace(" ", "_") for c in frame.columns]
    frame = frame.apply(lambda col: col.str.strip())
    for column in date_columns:
        frame[column] = pd.to_datetime(frame[column], dayfirst=dayfirst, errors="coerce").dt.strftime("%Y-%m-%d")
    before = len(frame)
    frame = frame.drop_duplicates()
    frame.to_csv(out, index=False, encoding="utf-8")
    print(f"{encoding} '{delimiter}' -> utf-8 ','; removed {before - len(frame)} duplicate rows")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["detect", "clean"])
    parser.add_argument("path")
    parser.add_argument("out", nargs="?")
    parser.add_argument("--date-columns", default="")
    parser.add_argument("--dayfirst", action="store_true")
    args = parser.parse_args()
    if args.command == "detect":
        print(detect(args.path))
    else:
        clean(args.path, args.out, [c for c in args.date_columns.split(",") if c], args.dayfirst)
