"""Config -> the list of pairs to process, each with a stable directory name.

A pair can come from the top-level keys (a reference tool JSON used as --configfile), from `pairs:` and from a TSV.
Names are derived from what identifies the product (frame or track, dates), so re-running with more pairs never
renames existing pair directories.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
from pathlib import Path

from gunw_workflow import s1_ids


class PairConfigError(ValueError):
    """A pair definition that cannot be processed; the message names the problem and the fix."""


def _split_ids(text: str) -> list[str]:
    return [t for t in re.split(r"[\s,;]+", text.strip()) if t]


def read_pairs_tsv(path: str) -> list[dict]:
    """Rows of a TSV with header: reference_scenes, secondary_scenes, [frame_id], [name]."""
    p = Path(path)
    if not p.is_file():
        raise PairConfigError(f"pairs_tsv {path!r} does not exist; fix the path or remove the key")
    rows = []
    with p.open(newline="") as fh:
        reader = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
        missing = {"reference_scenes", "secondary_scenes"} - set(reader.fieldnames or [])
        if missing:
            raise PairConfigError(f"pairs_tsv {path!r} lacks column(s) {sorted(missing)} in its header line")
        for i, row in enumerate(reader, start=2):
            pair = {
                "reference_scenes": _split_ids(row["reference_scenes"] or ""),
                "secondary_scenes": _split_ids(row["secondary_scenes"] or ""),
            }
            if (row.get("frame_id") or "").strip():
                try:
                    pair["frame_id"] = int(row["frame_id"])
                except ValueError as exc:
                    raise PairConfigError(
                        f"{path}:{i}: frame_id {row['frame_id']!r} is not an integer"
                    ) from exc
            if (row.get("name") or "").strip():
                pair["name"] = row["name"].strip()
            pair["_origin"] = f"{path}:{i}"
            rows.append(pair)
    return rows


def pair_name(reference_scenes: list[str], secondary_scenes: list[str], frame_id: int) -> str:
    """F<frame>_<refdate>_<secdate>, or T<track>_<refdate>_<secdate>_<hash> without a frame (the hash of the scene
    ids keeps two custom pairs of one track and date pair apart)."""
    ref = [s1_ids.parse(s) for s in reference_scenes]
    sec = [s1_ids.parse(s) for s in secondary_scenes]
    dates = f"{min(r.date for r in ref)}_{min(s.date for s in sec)}"
    if frame_id >= 0:
        return f"F{frame_id}_{dates}"
    digest = hashlib.sha1(
        " ".join(sorted(reference_scenes) + ["|"] + sorted(secondary_scenes)).encode()
    ).hexdigest()
    return f"T{ref[0].track:03d}_{dates}_{digest[:6]}"


def pairs_from_config(cfg: dict) -> list[dict]:
    """All pairs of the config, in order: top-level pair, `pairs:`, then `pairs_tsv`. Raises PairConfigError."""
    raw = []
    if cfg.get("reference_scenes") or cfg.get("secondary_scenes"):
        raw.append(
            {
                "reference_scenes": list(cfg.get("reference_scenes") or []),
                "secondary_scenes": list(cfg.get("secondary_scenes") or []),
                "frame_id": cfg["frame_id"],
                "_origin": "top-level reference_scenes/secondary_scenes",
            }
        )
    for i, item in enumerate(cfg.get("pairs") or []):
        raw.append({**item, "_origin": f"pairs[{i}]"})
    if cfg.get("pairs_tsv"):
        raw += read_pairs_tsv(cfg["pairs_tsv"])
    if not raw:
        raise PairConfigError(
            "no pair configured: set reference_scenes and secondary_scenes, a `pairs:` list, or `pairs_tsv`"
        )
    pairs, names = [], {}
    for item in raw:
        origin = item.pop("_origin")
        ref, sec = item.get("reference_scenes") or [], item.get("secondary_scenes") or []
        if not ref or not sec:
            raise PairConfigError(
                f"{origin}: both reference_scenes and secondary_scenes need at least one scene id"
            )
        for scene in ref + sec:
            try:
                s1_ids.parse(scene)
            except s1_ids.SceneIdError as exc:
                raise PairConfigError(f"{origin}: {exc}") from exc
        frame_id = int(item.get("frame_id", cfg["frame_id"]))
        name = item.get("name") or pair_name(ref, sec, frame_id)
        key = (tuple(sorted(ref)), tuple(sorted(sec)), frame_id)
        if name in names:
            if names[name] == key:
                continue  # the same pair listed twice: process it once
            raise PairConfigError(
                f"{origin}: pair name {name!r} is already used by another pair with different scenes; "
                "give one of them an explicit `name`"
            )
        names[name] = key
        pairs.append({"name": name, "reference_scenes": ref, "secondary_scenes": sec, "frame_id": frame_id})
    return pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="List the pairs (name and scenes) a workflow config defines."
    )
    parser.add_argument("--config", default=None, help="config YAML/JSON (default: config/config.yaml)")
    args = parser.parse_args(argv)
    from gunw_workflow.topsapp import topsapp_xml

    try:
        for pair in pairs_from_config(topsapp_xml.load_config(args.config)):
            print(json.dumps(pair))
    except PairConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
