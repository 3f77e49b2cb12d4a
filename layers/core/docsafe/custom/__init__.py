"""Custom template models: learned from a tenant's labelled documents, applied to new ones."""
