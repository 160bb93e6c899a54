"""SARIF 2.1.0 output, as GitHub code scanning reads it: rule metadata from the rules
themselves, one result per finding with its related locations and fixes."""

from __future__ import annotations

import os
from pathlib import Path

from kgraphlint import __version__
from kgraphlint.registry import all_rules
from kgraphlint.rule import Finding, Severity

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
HOME = "https://github.com/kgraphlint/kgraphlint"


def uri(path: str) -> str:
    try:
        return Path(os.path.relpath(path)).as_posix()
    except ValueError:  # another drive on Windows
        return Path(path).as_posix()


def region(line: int, column: int, end_line: int | None = None, end_column: int | None = None) -> dict:
    data = {"startLine": line, "startColumn": column}
    if end_line is not None:
        data.update(endLine=end_line, endColumn=max(end_column or column, 1))
    return data


def location(path: str, region_: dict) -> dict:
    return {"physicalLocation": {"artifactLocation": {"uri": uri(path), "uriBaseId": "%SRCROOT%"}, "region": region_}}


def rule_descriptor(rule) -> dict:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.rationale()},
        "help": {"text": rule.rationale(), "markdown": rule.rationale()},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": [rule.category], "precision": "very-high"},
    }


def result(finding: Finding, index: dict[str, int]) -> dict:
    data = {
        "ruleId": finding.code,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [location(finding.path, region(finding.line, finding.column, finding.end_line,
                                                    finding.end_column))],
    }
    if finding.code in index:
        data["ruleIndex"] = index[finding.code]
    if finding.related:
        data["relatedLocations"] = [
            {"id": i, **location(r.path, region(r.line, r.column)), "message": {"text": r.message}}
            for i, r in enumerate(finding.related, 1)
        ]
    if finding.fix is not None:
        data["fixes"] = [{
            "description": {"text": finding.fix.message},
            "artifactChanges": [{
                "artifactLocation": {"uri": uri(finding.path), "uriBaseId": "%SRCROOT%"},
                "replacements": [{"deletedRegion": region(e.line, e.column, e.end_line, e.end_column),
                                  "insertedContent": {"text": e.replacement}} for e in finding.fix.edits],
            }],
        }]
    if finding.cell is not None:
        data["properties"] = {"cell": finding.cell}
    return data


def sarif_log(findings: list[Finding]) -> dict:
    rules = list(all_rules())
    index = {rule.code: i for i, rule in enumerate(rules)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "kgraphlint", "version": __version__, "informationUri": HOME,
                                "rules": [rule_descriptor(rule) for rule in rules]}},
            "columnKind": "unicodeCodePoints",
            "results": [result(finding, index) for finding in findings],
        }],
    }
