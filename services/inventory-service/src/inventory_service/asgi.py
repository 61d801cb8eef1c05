"""The ASGI entry point the server loads (`inventory_service.asgi:app`)."""

from inventory_service.app import create_app

app = create_app()
