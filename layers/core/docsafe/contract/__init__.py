"""The wire contract: Azure Document Intelligence v4.0 (api-version 2024-11-30)."""
