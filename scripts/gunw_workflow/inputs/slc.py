"""Download one SLC zip from ASF into the shared cache: Earthdata session, size + md5 verified, resumable.

The URL, size and md5 come from the pair.json the check rule wrote (ASF metadata), so a download never starts
before its pair was validated and no second search is needed. Transfer, retries and atomic placement are in
http_fetch.download_file; the Earthdata login is asf_search's ASFSession (token exchange, redirect-safe auth).
"""

from __future__ import annotations

import argparse
import sys
import time

import requests

from gunw_workflow import pair_json as pair_json_file
from gunw_workflow.inputs import credentials, http_fetch

log = http_fetch.log


def earthdata_session(creds: credentials.Credentials, base_url: str | None = None, policy=None):
    """An ASFSession logged in to Earthdata (bearer token), with retries on transient login failures."""
    import asf_search
    from asf_search.exceptions import ASFAuthenticationError

    policy = policy or http_fetch.RetryPolicy()
    last, unreachable = "", 0
    for attempt in range(1, policy.attempts + 1):
        session = asf_search.ASFSession()
        session.trust_env = False
        http_fetch.mount_base_url(session, base_url)
        try:
            return session.auth_with_creds(*creds.as_tuple())
        except ASFAuthenticationError as exc:
            text = str(exc)
            if "401" in text or "403" in text:
                raise http_fetch.PermanentHTTPError(
                    "Earthdata login refused the credentials from "
                    f"{creds.source}; fix the username/password (they are not shown here)"
                ) from None
            last = "Earthdata login failed (service error)"
        except requests.RequestException as exc:
            last = type(exc).__name__
            unreachable += http_fetch.is_unreachable(exc)
        if attempt < policy.attempts:
            wait = policy.wait(attempt)
            log.warning("Earthdata login: attempt %d failed (%s); retrying in %.3g s", attempt, last, wait)
            time.sleep(wait)
    hint = (
        http_fetch.unreachable_hint(f"https://{credentials.EARTHDATA_HOST}")
        if unreachable == policy.attempts
        else ""
    )
    raise http_fetch.DownloadError(f"Earthdata login failed after {policy.attempts} attempts: {last}{hint}")


def scene_record(pair_json: str, scene: str) -> dict:
    rec = pair_json_file.read(pair_json)["scenes"].get(scene)
    if not rec:
        raise http_fetch.DownloadError(f"{scene} is not in {pair_json}; re-run the check rule of that pair")
    if not rec.get("url") or rec.get("source") != "asf":
        raise http_fetch.DownloadError(
            f"{scene} has no ASF download URL in {pair_json} (source {rec.get('source')})"
        )
    return rec


def download_slc(scene, rec, out, base_url=None, policy=None, env=None):
    creds = credentials.require(credentials.EARTHDATA_HOST, env=env)
    session = earthdata_session(creds, base_url, policy)
    return http_fetch.download_file(
        rec["url"], out, session=session, size=rec.get("bytes"), md5=rec.get("md5"), policy=policy
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Download one Sentinel-1 SLC zip (verified, resumable).")
    parser.add_argument("--scene", required=True)
    parser.add_argument(
        "--pair-json", required=True, help="pair.json of a pair holding the scene (ASF metadata)"
    )
    parser.add_argument("--out", required=True, help="destination zip, e.g. cache/slc/<scene>.zip")
    http_fetch.add_policy_args(parser)
    http_fetch.add_log_arg(parser)
    args = parser.parse_args(argv)
    http_fetch.setup_logging(log_file=args.log)

    def body():
        rec = scene_record(args.pair_json, args.scene)
        download_slc(args.scene, rec, args.out, args.base_url, http_fetch.policy_from_args(args))

    return http_fetch.run_cli(body, args.log, f"SLC {args.scene}: ")


if __name__ == "__main__":
    sys.exit(main())
