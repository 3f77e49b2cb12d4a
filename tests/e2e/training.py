"""A training set for custom models in the local AWS of a running server: labelled forms
in a bucket of the tenant's own, which the operator allowed the tenant to train from."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from docsafe_tools.local.stack import STACK_NAME

from tests.support.documents import encode
from tests.support.forms import LAYOUT, fields_json, filled_form, random_values
from tests.support.serve import Server

TRAINING_PREFIX = "set/"
# The fields the training set labels, and the values of a form none of it holds.
TRAINED_FIELDS = set(LAYOUT)
NEW_FORM = {
    "CustomerName": "Noor Haddad",
    "PolicyNumber": "PX-5521",
    "StartDate": "2025-12-01",
    "Premium": "980.25",
}


def training_bucket(server: Server, tenant: str) -> str:
    """A new bucket with five labelled forms under `set/`, allowed to `tenant`."""
    objects: dict[str, bytes] = {"fields.json": json.dumps(fields_json()).encode()}
    for seed in range(5):
        form = filled_form(random_values(seed + 10))
        objects[f"f{seed}.png"] = encode(form.image, "PNG")
        objects[f"f{seed}.png.labels.json"] = json.dumps(form.labels(f"f{seed}.png")).encode()
    return tenant_bucket(server, tenant, TRAINING_PREFIX, objects)


def tenant_bucket(server: Server, tenant: str, prefix: str, objects: dict[str, bytes]) -> str:
    """A new bucket of the tenant's own with `objects` (by name) under `prefix`, which the
    operator allowed the tenant to read from (for builds and batches)."""
    s3 = server.aws("s3")
    bucket = "tenant-bucket-" + os.urandom(4).hex()
    s3.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": os.environ["AWS_REGION"]}
    )
    for name, body in objects.items():
        s3.put_object(Bucket=bucket, Key=f"{prefix}{name}", Body=body)
    # The operator allows it (the `docsafe tenants` command)
    allowed = subprocess.run(
        [
            str(Path(sys.executable).parent / "docsafe"),
            "tenants",
            "allow-training",
            tenant,
            f"s3://{bucket}/{prefix}",
            "--table",
            f"{STACK_NAME}-tenantstable",
            "--endpoint-url",
            server.aws_url,
            "--region",
            os.environ["AWS_REGION"],
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert allowed.returncode == 0, allowed.stderr
    return bucket
