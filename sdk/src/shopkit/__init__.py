"""Shopkit SDK: the defaults every Shopkit service shares."""

__version__ = "1.3.0"
