"""Config errors that fit on a screen: one line per problem, checked before Snakemake's own ``validate()``.

Snakemake reports only the first schema violation, followed by the whole schema and the whole config (hundreds of
lines, and the config may hold a password). Here every violation becomes one line that names the key, says what
is wrong and what is allowed, suggests the closest known key for a typo, and explains the reference tool's keys
that this workflow deliberately does not read. Values are shown only for keys the schema knows, never for unknown
keys (they may be credentials). The schema (workflow/schemas/config.schema.yaml) stays the only definition.
"""

from __future__ import annotations

import difflib

from gunw_workflow.config import load_schema

DOCS = "config/README.md"

_CREDENTIALS = "credentials come from ~/.netrc (urs.earthdata.nasa.gov) or EARTHDATA_USERNAME/PASSWORD"
REFERENCE_TOOL_NOTES = {
    "username": _CREDENTIALS,
    "password": _CREDENTIALS,
    "esa_username": "no ESA login is needed (orbits: ASF's open bucket, then CDSE)",
    "esa_password": "no ESA login is needed (orbits: ASF's open bucket, then CDSE)",
    "dry_run": "use `snakemake -n` for a dry run",
}
"""Keys of the reference tool (DockerizedTopsApp / isce2_topsapp) that have no meaning here, and what to do."""

MAX_VALUE_CHARS = 60
JSON_TYPES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


class ConfigProblems(ValueError):
    """The config violates the schema; ``str()`` is the one-line-per-problem report."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(report(problems))


def _path(parts) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "<config>"


def _value(v) -> str:
    text = repr(v)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 3] + "..."


def _type_name(v) -> str:
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, int):
        return "an integer"
    if isinstance(v, float):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "a mapping"
    return "null" if v is None else type(v).__name__


def allowed(schema: dict) -> str:
    """What a (sub)schema accepts, in words: enum, const, range, alternatives or type."""
    if "enum" in schema:
        return "one of " + ", ".join("''" if v == "" else str(v) for v in schema["enum"])
    if "const" in schema:
        return str(schema["const"])
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    if alternatives:
        return " or ".join(allowed(s) for s in alternatives)
    lo, hi = schema.get("minimum"), schema.get("maximum")
    if lo is not None and hi is not None:
        return f"{lo} to {hi}"
    if lo is not None:
        return f">= {lo}"
    if hi is not None:
        return f"<= {hi}"
    if "pattern" in schema:
        return f"a string matching {schema['pattern']}"
    types = schema.get("type")
    if types:
        types = [types] if isinstance(types, str) else types
        return " or ".join(JSON_TYPES.get(t, t) for t in types)
    return "see " + DOCS


def _all_keys(schema: dict, prefix: tuple = ()) -> dict[str, tuple]:
    """Every key name of the schema's nested mappings -> its path (for 'did you mean topsapp.unwrapper')."""
    out: dict[str, tuple] = {}
    for key, sub in (schema.get("properties") or {}).items():
        out.setdefault(key, prefix + (key,))
        if sub.get("type") == "object":
            for k, p in _all_keys(sub, prefix + (key,)).items():
                out.setdefault(k, p)
    return out


def _unknown_key(path: tuple, key: str, known: list[str], everywhere: dict[str, tuple]) -> str:
    where = _path(path + (key,))
    if not path and key in REFERENCE_TOOL_NOTES:
        return f"{where}: reference-tool key, not read here: {REFERENCE_TOOL_NOTES[key]}; remove it"
    normalised = key.replace("-", "_").lower()
    if normalised in known:
        return f"{where}: unknown key; did you mean {_path(path + (normalised,))}?"
    close = difflib.get_close_matches(normalised, known, n=1, cutoff=0.6)
    if close:
        return f"{where}: unknown key; did you mean {_path(path + (close[0],))}?"
    if normalised in everywhere and everywhere[normalised][:-1] != path:
        return f"{where}: unknown key here; did you mean {_path(everywhere[normalised])}?"
    if path:
        return f"{where}: unknown key; the keys of {_path(path)} are: {', '.join(known)}"
    return f"{where}: unknown key; every key is listed in {DOCS}"


def _describe(error, everywhere: dict[str, tuple]) -> list[str]:
    path = tuple(error.absolute_path)
    where = _path(path)
    kind, schema, value = error.validator, error.schema, error.instance
    if kind == "additionalProperties" and error.validator_value is False:
        known = list(schema.get("properties") or {})
        return [_unknown_key(path, k, known, everywhere) for k in sorted(value) if k not in known]
    if kind == "required":
        missing = [k for k in error.validator_value if k not in value]
        return [
            f"{_path(path + (k,))}: missing (required: {', '.join(error.validator_value)})" for k in missing
        ]
    if kind == "dependentRequired":  # keys that come in twos (scene lists, pair dates)
        return [
            f"{_path(path + (d,))}: missing (required: {', '.join([k, *deps])})"
            for k, deps in error.validator_value.items()
            if k in value
            for d in deps
            if d not in value
        ]
    if kind == "type":
        return [f"{where}: {_value(value)} is {_type_name(value)}; expected {allowed(schema)}"]
    if kind in ("minItems", "maxItems"):
        n = error.validator_value
        side = "at least" if kind == "minItems" else "at most"
        return [f"{where}: {_value(value)} must have {side} {n} item{'s' if n != 1 else ''}"]
    return [f"{where}: {_value(value)} is not allowed; allowed: {allowed(schema)}"]


def problems(cfg, schema: dict | None = None) -> list[str]:
    """One line per schema violation of ``cfg`` (empty = valid), sorted by key."""
    from jsonschema import Draft202012Validator

    schema = schema or load_schema()
    everywhere = _all_keys(schema)
    errors = sorted(
        Draft202012Validator(schema).iter_errors(cfg),
        key=lambda e: [str(p) for p in e.absolute_path],
    )
    lines: list[str] = []
    for error in errors:
        for line in _describe(error, everywhere):
            if line not in lines:
                lines.append(line)
    return lines


def report(lines: list[str]) -> str:
    head = f"Invalid config ({len(lines)} problem{'s' if len(lines) != 1 else ''}; every key is in {DOCS}):"
    return "\n".join([head] + [f"  - {line}" for line in lines])


def check(cfg, schema: dict | None = None) -> None:
    """Raise :class:`ConfigProblems` when ``cfg`` violates the schema."""
    found = problems(cfg, schema)
    if found:
        raise ConfigProblems(found)
