"""The AWS limits a request meets on its way in and out, as AWS enforces them.

Local mode enforces the same figures (docsafe_tools.local.server), so that tests see what AWS
would answer; the client picks the way a document travels by them.
"""

from __future__ import annotations

# Lambda's synchronous invocation payload, each way: the API Gateway event (a binary body
# in it base64-encoded, 4 bytes for 3) and the function's response.
LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024
# API Gateway's request body and the REST API's integration timeout (29 s by default).
API_GATEWAY_BODY_BYTES = 10 * 1024 * 1024
API_GATEWAY_TIMEOUT_SECONDS = 29
# Step Functions' state input and output.
STATE_PAYLOAD_BYTES = 256 * 1024

# The largest document a client sends as an analyze request's body: API Gateway puts it
# into S3 itself (docsafe.intake), so no Lambda event carries it; 10 MB read as the smaller
# of its two meanings. Larger ones go through an upload.
DIRECT_DOCUMENT_BYTES = 10 * 1000 * 1000
