"""The workflow config outside Snakemake: the schema (the only place defaults are written) and loading with it.

Snakemake validates the config with the same schema (workflow/schemas/config.schema.yaml) and fills the same
defaults; commands and tests that read a config file use ``load_config`` so that they see what the rules see.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO / "workflow" / "schemas" / "config.schema.yaml"
DEFAULT_CONFIG = REPO / "config" / "config.yaml"
RESOURCES = REPO / "resources"
"""Static files of the repository (the GUNW metadata schema, the pair.json schema)."""
PYPROJECT = REPO / "pyproject.toml"


@cache
def _schema() -> dict:
    import yaml

    return yaml.safe_load(SCHEMA_PATH.read_text())


def load_schema() -> dict:
    return copy.deepcopy(_schema())


def with_defaults(cfg: dict) -> dict:
    """Validate ``cfg`` against the schema and fill in every default (nested objects too), like Snakemake."""
    from jsonschema import Draft202012Validator, validators

    def set_defaults(validator, properties, instance, schema_):
        for key, sub in properties.items():
            if isinstance(instance, dict) and "default" in sub:
                instance.setdefault(key, copy.deepcopy(sub["default"]))
        yield from Draft202012Validator.VALIDATORS["properties"](validator, properties, instance, schema_)

    extended = validators.extend(Draft202012Validator, {"properties": set_defaults})
    cfg = copy.deepcopy(cfg)
    extended(load_schema()).validate(cfg)
    return cfg


def load_config(path: str | Path | None = None, **overrides) -> dict:
    """A config YAML/JSON file (default: config/config.yaml) with ``overrides`` applied, defaults filled."""
    import yaml

    cfg = yaml.safe_load(Path(path or DEFAULT_CONFIG).read_text()) or {}
    cfg.update(overrides)
    return with_defaults(cfg)


def defaults() -> dict:
    """Every default of the schema, as a config (what an empty config becomes)."""
    return with_defaults({})


def section_defaults(section: str) -> dict:
    """The defaults of one object-valued key (e.g. ``demo``), whose own default is empty."""
    return with_defaults({section: {}})[section]
