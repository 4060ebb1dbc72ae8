"""Validate JSON documents against a JSON Schema (draft 2020-12) with the reference
`jsonschema` package. Usage: validate_schema.py SCHEMA DOC [DOC ...]. Prints every error
and exits 1 when any document is invalid."""

import json
import sys

import jsonschema


def main() -> int:
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    bad = 0
    for path in sys.argv[2:]:
        doc = json.load(open(path, encoding="utf-8"))
        for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.path)):
            bad += 1
            where = "/".join(str(p) for p in err.absolute_path)
            print(f"{path}: /{where}: {err.message[:300]}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
