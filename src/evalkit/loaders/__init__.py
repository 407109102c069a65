"""Data loaders: each turns one file format into a `Table`; `evalkit.data` checks the table."""

from evalkit.loaders.base import Loader, Table

__all__ = ["Loader", "Table"]
