"""pair.json, the contract between the check rule and every later job, checked against its schema on write and
on read (resources/pair.schema.json): a job never runs on a hand-edited or truncated pair.json, and a change to
what the check writes fails at once in the tests, not hours later in packaging."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from gunw_workflow.config import RESOURCES

SCHEMA_PATH = RESOURCES / "pair.schema.json"


class PairJsonError(ValueError):
    """pair.json does not follow its schema; the message names the file, the field and the fix."""


@cache
def _validator():
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))


def problems(doc: dict) -> list[str]:
    """Every schema violation of ``doc`` as 'field: message' (empty list = valid)."""
    return [
        f"{'/'.join(str(p) for p in err.absolute_path) or '(top level)'}: {err.message}"
        for err in sorted(_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    ]


def _check(doc: dict, path, action: str) -> None:
    found = problems(doc)
    if found:
        raise PairJsonError(
            f"{path} ({action}) does not follow {SCHEMA_PATH.name}:\n  - "
            + "\n  - ".join(found[:10])
            + "\nRe-run the pair's check (delete the file; Snakemake re-runs check_pair)."
        )


def write(path, doc: dict) -> None:
    """Validate, then write atomically (a temp file renamed into place)."""
    _check(doc, path, "about to be written")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(doc, indent=1) + "\n")
    tmp.replace(path)


def read(path) -> dict:
    """The validated pair.json at ``path``."""
    try:
        doc = json.loads(Path(path).read_text())
    except json.JSONDecodeError as exc:
        raise PairJsonError(
            f"{path} is not valid JSON ({exc}); delete it and re-run the pair's check"
        ) from exc
    _check(doc, path, "read")
    return doc
