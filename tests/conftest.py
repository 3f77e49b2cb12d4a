"""Shared fixtures: a fake AWS environment for every test, and the whole stack under moto."""

from __future__ import annotations

import os

# Before anything imports boto3: no test may reach real AWS or use the machine's profile.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SECURITY_TOKEN="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="eu-west-1",
    AWS_REGION="eu-west-1",
    POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_DEV="false",
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

from hypothesis import settings

# No per-example deadline: the properties take microseconds, and a loaded 2-core machine
# would otherwise fail one on a pause that says nothing about the code.
settings.register_profile("docsafe", deadline=None)
settings.load_profile("docsafe")

pytest_plugins = ["tests.support.stack", "tests.support.clock"]
