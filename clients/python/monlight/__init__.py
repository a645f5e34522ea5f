"""Monlight Python SDK: report errors to the error tracker, metrics to the metrics collector and log records to
the log viewer of a Monlight host."""
from ._version import __version__
from .error_client import ErrorClient
from .metrics_client import MetricsClient

__all__ = ["ErrorClient", "MetricsClient", "__version__"]
