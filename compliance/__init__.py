"""Export-control and sanctions screening for AI-compute providers."""

__version__ = "0.1.0"
