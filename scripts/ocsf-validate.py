#!/usr/bin/env python3
"""Validates OCSF JSON Lines (filewatcher --format ocsf) with real OCSF validators from PyPI.

- ocsf-emitter: pydantic models generated (with ocsf-lib) from the official OCSF 1.5.0 schema, for
  every base class, plus its invariant checks (class/category identity, type_uid = class_uid * 100 +
  activity_id, sibling names, schema version). Its models allow unknown attributes, so this script
  also walks each record against the models and reports every attribute the schema does not define
  (outside `unmapped`, which OCSF keeps for exactly that).
- py-ocsf-models (Prowler's OCSF models): Detection Findings (2004) are validated by it as well.

Usage: ocsf-validate.py FILE   (exit 0: every record valid; 1: errors, one per line on stdout;
2: the validators are not installed).
Install: python3 -m pip install ocsf-emitter py-ocsf-models
"""

import json
import sys
import typing

try:
    import ocsf_emitter
    from ocsf_emitter import _models as models
    from py_ocsf_models.events.findings.detection_finding import DetectionFinding as ProwlerDetectionFinding
except ImportError as e:  # pragma: no cover
    print(f"validators missing: {e}", file=sys.stderr)
    sys.exit(2)

import pydantic

CLASSES = {
    1001: models.FileActivity,
    1007: models.ProcessActivity,
    2004: models.DetectionFinding,
}


def model_of(annotation):
    """The pydantic model inside an annotation (X | None, list[X]), and whether it is a list."""
    origin = typing.get_origin(annotation)
    if origin in (list,):
        inner, _ = model_of(typing.get_args(annotation)[0])
        return inner, True
    if origin is not None:  # Union / Optional
        for arg in typing.get_args(annotation):
            if arg is type(None):
                continue
            m, is_list = model_of(arg)
            if m is not None:
                return m, is_list
        return None, False
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return annotation, False
    return None, False


def unknown_attributes(value, model, where):
    """Attributes of `value` (a dict) that `model` does not define, as dotted paths."""
    problems = []
    fields = model.model_fields
    for key, item in value.items():
        path = f"{where}.{key}" if where else key
        if key == "unmapped":
            continue
        if key not in fields:
            problems.append(f"{path}: not an attribute of {model.__name__} in OCSF 1.5.0")
            continue
        sub, is_list = model_of(fields[key].annotation)
        if sub is None:
            continue
        items = item if is_list and isinstance(item, list) else [item]
        for i, element in enumerate(items):
            if isinstance(element, dict):
                problems += unknown_attributes(element, sub, f"{path}[{i}]" if is_list else path)
    return problems


def validate(record):
    cls = CLASSES.get(record.get("class_uid"))
    if cls is None:
        return [f"class_uid {record.get('class_uid')!r} is not a class filewatcher writes"]
    problems = unknown_attributes(record, cls, "")
    try:
        ocsf_emitter.validate(cls.model_validate(record))
    except pydantic.ValidationError as e:
        problems += [f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()]
    except ocsf_emitter.InvalidFindingError as e:
        problems += [str(e)] + list(getattr(e, "field_errors", []))
    if record["class_uid"] == 2004:
        try:
            ProwlerDetectionFinding.model_validate(record)
        except pydantic.ValidationError as e:
            problems += [f"py-ocsf-models: {'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()]
    return problems


def main():
    failures = 0
    counts = {}
    with open(sys.argv[1], encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            record = json.loads(line)
            counts[record.get("class_uid")] = counts.get(record.get("class_uid"), 0) + 1
            for problem in validate(record):
                failures += 1
                print(f"line {number} (class {record.get('class_uid')}): {problem}")
    print("records per class: " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())), file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
