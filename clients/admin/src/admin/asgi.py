"""The ASGI entry point granian serves (`admin serve`)."""

from admin.app import create_app

app = create_app()
