"""Shopkit's local platform: bootstrap, `make up`, the gateway config and the test runner."""
