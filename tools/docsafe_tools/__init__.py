"""DocSafe's developer package: the `docsafe` command, the HTTP client, local mode (moto,
the in-process dispatcher, the API front end) and what the benchmarks share. It builds on
the domain package `docsafe`, which never imports it and ships to Lambda without it."""
