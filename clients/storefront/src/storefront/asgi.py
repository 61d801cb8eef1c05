"""The ASGI entry point granian imports."""

from storefront.app import create_app

app = create_app()
