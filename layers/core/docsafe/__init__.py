"""DocSafe: private OCR and document analysis that runs in your own AWS account."""

__version__ = "0.1.0"
