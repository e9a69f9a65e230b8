"""The version of selective_clf, defined here only (the build reads it)."""

__version__ = "0.1.0.dev0"
