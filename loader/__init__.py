"""Procountor → warehouse loader."""

__version__ = "0.1.0"
