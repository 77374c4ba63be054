"""Config -> the list of pairs to process, each with a stable directory name.

A pair can come from the top-level keys (a reference tool JSON used as --configfile), from `pairs:` and from a TSV.
It is given either by scene ids (reference_scenes / secondary_scenes) or, as HyP3's ARIA_S1_GUNW job does, by an
ARIA frame and two dates (frame_id / reference_date / secondary_date); the scenes of a date-given pair are found
later, by the resolve_pair rule (inputs/frame_dates.py). Names are derived from what identifies the product (frame
or track, dates), so re-running with more pairs never renames existing pair directories.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import re
import sys
from pathlib import Path

from gunw_workflow import s1_ids


class PairConfigError(ValueError):
    """A pair definition that cannot be processed; the message names the problem and the fix."""


DATE_KEYS = ("reference_date", "secondary_date")
SCENE_KEYS = ("reference_scenes", "secondary_scenes")


def _split_ids(text: str) -> list[str]:
    return [t for t in re.split(r"[\s,;]+", text.strip()) if t]


def parse_date(value) -> dt.date:
    """A pair date as the reference tool's and HyP3's ARIA_S1_GUNW job take it: ISO ``YYYY-MM-DD``; also
    ``YYYYMMDD`` (the form of pair and product names; YAML reads it unquoted as an integer), and a YAML date."""
    if isinstance(value, dt.datetime):
        raise ValueError(f"{value!r} is a date and time; give the UTC date only (YYYY-MM-DD)")
    if isinstance(value, dt.date):
        return value
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    for fmt, rx in (("%Y-%m-%d", r"\d{4}-\d{2}-\d{2}"), ("%Y%m%d", r"\d{8}")):
        if text is not None and re.fullmatch(rx, text):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                break
    raise ValueError(f"{value!r} is not a date; use YYYY-MM-DD (or YYYYMMDD), e.g. 2022-02-12")


def is_date_pair(pair: dict) -> bool:
    """A pair given by frame and dates (its scenes are known only after resolve_pair)."""
    return bool(pair.get("reference_date"))


def normalise_dates(cfg: dict) -> None:
    """YAML and `--config` turn 2022-02-12 into a date object, which the schema (strings) would reject with a
    dump of the config: write the date keys back as the text the user typed, before validation."""

    def fix(d):
        for key in DATE_KEYS:
            if isinstance(d.get(key), dt.date) and not isinstance(d.get(key), dt.datetime):
                d[key] = d[key].isoformat()

    if isinstance(cfg, dict):
        fix(cfg)
        for item in cfg.get("pairs") or []:
            if isinstance(item, dict):
                fix(item)


def read_pairs_tsv(path: str) -> list[dict]:
    """Rows of a TSV with a header: reference_scenes, secondary_scenes, [frame_id], [name], or frame_id,
    reference_date, secondary_date, [name]; a file may hold both kinds of columns, each row fills one kind."""
    p = Path(path)
    if not p.is_file():
        raise PairConfigError(f"pairs_tsv {path!r} does not exist; fix the path or remove the key")
    rows = []
    with p.open(newline="") as fh:
        reader = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
        columns = set(reader.fieldnames or [])
        if not (set(SCENE_KEYS) <= columns or {"frame_id", *DATE_KEYS} <= columns):
            raise PairConfigError(
                f"pairs_tsv {path!r}: its header line needs the columns reference_scenes and secondary_scenes, "
                "or frame_id, reference_date and secondary_date (tab-separated)"
            )
        for i, row in enumerate(reader, start=2):
            pair = {}
            for key in SCENE_KEYS:
                if (row.get(key) or "").strip():
                    pair[key] = _split_ids(row[key])
            for key in DATE_KEYS:
                if (row.get(key) or "").strip():
                    pair[key] = row[key].strip()
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


def date_pair_name(frame_id: int, reference_date: str, secondary_date: str) -> str:
    """F<frame>_<refdate>_<secdate>: the name an id-given pair of the same frame and dates gets, known offline."""
    ref, sec = (parse_date(d) for d in (reference_date, secondary_date))
    return f"F{frame_id}_{ref:%Y%m%d}_{sec:%Y%m%d}"


def _date_pair(item: dict, origin: str, default_frame: int) -> dict:
    """Checks of a frame + dates definition that need nothing but the config; raises PairConfigError."""
    if any(item.get(k) for k in SCENE_KEYS):
        hint = (
            " (without --configfile, config/config.yaml's scene ids are loaded too: add --config "
            "reference_scenes=[] secondary_scenes=[], or use your own --configfile)"
            if origin.startswith("top-level")
            else ""
        )
        raise PairConfigError(
            f"{origin}: both dates and scene ids are given; a pair is either reference_date/secondary_date with a "
            f"frame_id, or reference_scenes/secondary_scenes: drop one of them{hint}"
        )
    missing = [k for k in DATE_KEYS if not item.get(k)]
    if missing:
        raise PairConfigError(
            f"{origin}: {missing[0]} is missing; a date-given pair needs reference_date and secondary_date "
            "(YYYY-MM-DD) and a frame_id"
        )
    dates = {}
    for key in DATE_KEYS:
        try:
            dates[key] = parse_date(item[key])
        except ValueError as exc:
            raise PairConfigError(f"{origin}: {key} {exc}") from None
    frame_id = int(item.get("frame_id", default_frame))
    if frame_id < 0:
        raise PairConfigError(
            f"{origin}: reference_date/secondary_date need a frame_id (an ARIA frame id >= 0, e.g. 25502): the "
            "scenes of a date are found over the frame; with -1 give reference_scenes/secondary_scenes instead"
        )
    ref, sec = dates["reference_date"], dates["secondary_date"]
    if ref <= sec:
        raise PairConfigError(
            f"{origin}: reference_date {ref} is not later than secondary_date {sec}; the reference is the later "
            "date (ARIA convention): swap them"
        )
    return {"frame_id": frame_id, "reference_date": ref.isoformat(), "secondary_date": sec.isoformat()}


def pairs_from_config(cfg: dict) -> list[dict]:
    """All pairs of the config, in order: top-level pair, `pairs:`, then `pairs_tsv`. Raises PairConfigError.

    An id-given pair is {name, reference_scenes, secondary_scenes, frame_id}; a date-given pair is {name,
    frame_id, reference_date, secondary_date} (ISO dates; no scene keys until resolve_pair finds them)."""
    raw = []
    if any(cfg.get(k) for k in SCENE_KEYS + DATE_KEYS):
        raw.append(
            {
                **{k: list(cfg.get(k) or []) for k in SCENE_KEYS},
                **{k: cfg[k] for k in DATE_KEYS if cfg.get(k)},
                "frame_id": cfg["frame_id"],
                "_origin": "top-level "
                + (
                    "reference_date/secondary_date"
                    if any(cfg.get(k) for k in DATE_KEYS)
                    else "reference_scenes/secondary_scenes"
                ),
            }
        )
    for i, item in enumerate(cfg.get("pairs") or []):
        raw.append({**item, "_origin": f"pairs[{i}]"})
    if cfg.get("pairs_tsv"):
        raw += read_pairs_tsv(cfg["pairs_tsv"])
    if not raw:
        raise PairConfigError(
            "no pair configured: set reference_scenes and secondary_scenes (or frame_id, reference_date and "
            "secondary_date), a `pairs:` list, or `pairs_tsv`"
        )
    pairs, names = [], {}
    for item in raw:
        origin = item.pop("_origin")
        if any(item.get(k) for k in DATE_KEYS):
            pair = _date_pair(item, origin, int(cfg["frame_id"]))
            name = item.get("name") or date_pair_name(
                pair["frame_id"], pair["reference_date"], pair["secondary_date"]
            )
            key = ("dates", pair["frame_id"], pair["reference_date"], pair["secondary_date"])
        else:
            ref, sec = item.get("reference_scenes") or [], item.get("secondary_scenes") or []
            if not ref or not sec:
                raise PairConfigError(
                    f"{origin}: both reference_scenes and secondary_scenes need at least one scene id "
                    "(or give frame_id, reference_date and secondary_date)"
                )
            for scene in ref + sec:
                try:
                    s1_ids.parse(scene)
                except s1_ids.SceneIdError as exc:
                    raise PairConfigError(f"{origin}: {exc}") from exc
            frame_id = int(item.get("frame_id", cfg["frame_id"]))
            pair = {"reference_scenes": ref, "secondary_scenes": sec, "frame_id": frame_id}
            name = item.get("name") or pair_name(ref, sec, frame_id)
            key = (tuple(sorted(ref)), tuple(sorted(sec)), frame_id)
        if name in names:
            if names[name] == key:
                continue  # the same pair listed twice: process it once
            raise PairConfigError(
                f"{origin}: pair name {name!r} is already used by another pair with different scenes or dates; "
                "give one of them an explicit `name`"
            )
        names[name] = key
        pairs.append({"name": name, **pair})
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
