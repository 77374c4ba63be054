"""S3 delivery of a validated product, as HyP3 does it (docs/delivery.md).

HyP3's GUNW job (DockerizedTopsApp's ``aws.upload_file_to_s3``, the same as hyp3lib's) puts each delivered file at
``<prefix>/<file name>`` with the content type Python's ``mimetypes`` guesses from the name, then tags the object
``file_type=browse`` (the ``.png``) or ``file_type=product`` (everything else). This module does the same with
boto3, plus what a workflow needs: transient errors (HTTP 5xx, throttling, dropped connections) are retried by
botocore's standard retry mode, every object is checked after upload (size), the keys and ETags are recorded
atomically only once everything is up, and a failure is one line naming the file, the destination, the S3 error
code and the fix. Credentials come from boto3's own chain (environment, ~/.aws, instance role) and are never
printed; the local product is only read.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import os
import re
import sys
import time
from pathlib import Path

from gunw_workflow import layout

UPLOAD_ORDER = ("png", "json", "nc")
"""Sidecars first, the product last: once the .nc is in the bucket, everything of the product is."""

# Python's built-in table only (no /etc/mime.types): the same content type on every machine. It maps .nc to
# application/x-netcdf, .png to image/png and .json to application/json, as on HyP3's hosts.
_MIME = mimetypes.MimeTypes(filenames=())

HINTS = {
    "NoSuchBucket": "create the bucket or fix bucket/bucket_prefix",
    "AccessDenied": "check that the AWS credentials may write (s3:PutObject, s3:PutObjectTagging) to it",
    "AllAccessDisabled": "check that the AWS credentials may write to it",
    "InvalidAccessKeyId": "fix the AWS credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or ~/.aws)",
    "SignatureDoesNotMatch": "fix the AWS credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or ~/.aws)",
    "ExpiredToken": "renew the AWS session credentials",
    "NoCredentials": "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or ~/.aws, an instance role)",
    "PermanentRedirect": "the bucket is in another region: set AWS_DEFAULT_REGION to it",
    "AuthorizationHeaderMalformed": "the bucket is in another region: set AWS_DEFAULT_REGION to it",
    "EndpointConnectionError": "check delivery.s3_endpoint_url and the network; the upload is retried by the next run",
    "SizeMismatch": "the object in the bucket differs from the local file; run again",
}


class UploadError(RuntimeError):
    """An upload that failed for good (after botocore's retries); ``str()`` is the one-line report."""


def normalise_prefix(prefix: str) -> str:
    """The prefix without empty path parts (``/a//b/`` -> ``a/b``), as ``Path(prefix)`` makes it for HyP3."""
    return "/".join(part for part in prefix.split("/") if part)


def object_key(prefix: str, filename: str) -> str:
    """``<prefix>/<filename>`` (HyP3: ``str(Path(prefix) / name)``), the file at the top level without a prefix."""
    prefix = normalise_prefix(prefix)
    return f"{prefix}/{filename}" if prefix else filename


def content_type(filename: str) -> str:
    """The Content-Type HyP3 sets: mimetypes' guess, application/octet-stream when it has none."""
    return _MIME.guess_type(filename)[0] or "application/octet-stream"


def file_type(filename: str) -> str:
    """HyP3's ``file_type`` tag of a GUNW job's files: the browse image, or the product (.nc and .json)."""
    return "browse" if filename.endswith(".png") else "product"


def destination(bucket: str, prefix: str) -> str:
    return f"s3://{bucket}/{normalise_prefix(prefix)}".rstrip("/")


def make_client(endpoint_url: str = "", retries: int = 5):
    """An S3 client with botocore's standard retries (``retries`` attempts after the first, backoff)."""
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"total_max_attempts": retries + 1, "mode": "standard"},
        connect_timeout=30,
        read_timeout=120,
    )
    return boto3.session.Session().client("s3", endpoint_url=endpoint_url or None, config=config)


def error_code(exc: BaseException) -> str:
    """The S3 error code of a failure (``NoSuchBucket``, ``AccessDenied``, ...), or its kind: never its text,
    which for some errors quotes request headers."""
    from botocore import exceptions as bce

    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = (response.get("Error") or {}).get("Code")
        status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
        if code and not str(code).isdigit():
            return str(code)
        if status:
            return f"HTTP {status}"
    if isinstance(exc, bce.NoCredentialsError):
        return "NoCredentials"
    if isinstance(exc, (bce.EndpointConnectionError, bce.ConnectionClosedError, bce.ReadTimeoutError)):
        return "EndpointConnectionError"
    # boto3's S3UploadFailedError (upload_file) carries the ClientError only in its message:
    # "Failed to upload X to b/k: An error occurred (NoSuchBucket) when calling the PutObject operation: ..."
    found = re.search(r"An error occurred \(([A-Za-z0-9.]+)\)", str(exc))
    if found:
        return found.group(1) if not found.group(1).isdigit() else f"HTTP {found.group(1)}"
    return type(exc).__name__


def failure_line(filename: str, bucket: str, prefix: str, exc: BaseException) -> str:
    code = error_code(exc)
    hint = HINTS.get(code, "see the S3 error code above; the local product is intact, run again to retry")
    return f"upload of {filename} to {destination(bucket, prefix)} failed: {code}; {hint}"


def product_files(nc: str, png: str, json_path: str, product_id: str) -> list[tuple[Path, str]]:
    """(local file, delivered name) in upload order; the names are the delivered copies' (``<id>.<ext>``)."""
    local = {"nc": nc, "png": png, "json": json_path}
    label = product_id[:-3] if product_id.endswith(".nc") else product_id
    out = []
    for kind in UPLOAD_ORDER:
        name = Path(layout.delivery("", label, Path(layout.PRODUCT_FILES[kind]).suffix)).name
        out.append((Path(local[kind]), name))
    return out


def upload(client, files: list[tuple[Path, str]], bucket: str, prefix: str, say=print) -> list[dict]:
    """Upload, tag and check each file; returns one record per object. Raises UploadError on the first failure."""
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError

    objects = []
    for path, name in files:
        key = object_key(prefix, name)
        ctype, ftype = content_type(name), file_type(name)
        size = path.stat().st_size
        started = time.monotonic()
        try:
            client.upload_file(str(path), bucket, key, ExtraArgs={"ContentType": ctype})
            client.put_object_tagging(
                Bucket=bucket, Key=key, Tagging={"TagSet": [{"Key": "file_type", "Value": ftype}]}
            )
            head = client.head_object(Bucket=bucket, Key=key)
        except (ClientError, BotoCoreError, Boto3Error) as exc:
            raise UploadError(failure_line(name, bucket, prefix, exc)) from None
        if head.get("ContentLength") != size:
            raise UploadError(
                f"upload of {name} to {destination(bucket, prefix)} failed: SizeMismatch "
                f"({head.get('ContentLength')} bytes in the bucket, {size} local); {HINTS['SizeMismatch']}"
            )
        objects.append(
            {
                "file": name,
                "key": key,
                "etag": head["ETag"].strip('"'),
                "size": size,
                "content_type": ctype,
                "file_type": ftype,
            }
        )
        say(
            f"uploaded s3://{bucket}/{key} ({size} bytes, {ctype}, file_type={ftype}) in {time.monotonic() - started:.1f} s"
        )
    return objects


def write_record(path: str | Path, record: dict) -> None:
    """The upload record, written to a temporary name and renamed: it exists only for a finished upload."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    from gunw_workflow.inputs import secrets

    p = argparse.ArgumentParser(
        description="Upload a validated GUNW (.nc, .png, .json) to S3 as HyP3 does, and record keys and ETags."
    )
    p.add_argument("--nc", required=True, help="the validated netCDF")
    p.add_argument("--png", required=True, help="its browse PNG (tagged file_type=browse)")
    p.add_argument("--json", required=True, help="its metadata JSON")
    p.add_argument(
        "--name", required=True, help="the product id (or @file holding it, e.g. @product_name.txt)"
    )
    p.add_argument("--bucket", required=True, help="destination bucket")
    p.add_argument("--prefix", required=True, help="key prefix inside the bucket ('' = top level)")
    p.add_argument("--endpoint-url", required=True, help="S3 endpoint URL ('' = AWS)")
    p.add_argument("--retries", type=int, required=True, help="attempts per request after the first")
    p.add_argument("--record", required=True, help="JSON record of the uploaded objects, written last")
    a = p.parse_args(argv)
    name = Path(a.name[1:]).read_text().strip() if a.name.startswith("@") else a.name
    endpoint_shown = secrets.scrub_url(a.endpoint_url) if a.endpoint_url else "AWS"
    files = product_files(a.nc, a.png, a.json, name)
    print(
        f"uploading {name} to {destination(a.bucket, a.prefix)} (endpoint {endpoint_shown}, retries {a.retries})"
    )
    try:
        objects = upload(make_client(a.endpoint_url, a.retries), files, a.bucket, a.prefix)
    except UploadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    write_record(
        a.record,
        {
            "product": name[:-3] if name.endswith(".nc") else name,
            "bucket": a.bucket,
            "prefix": normalise_prefix(a.prefix),
            "endpoint_url": secrets.scrub_url(a.endpoint_url) if a.endpoint_url else "",
            "objects": objects,
        },
    )
    print(f"uploaded {len(objects)} objects to {destination(a.bucket, a.prefix)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
