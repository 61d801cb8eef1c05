"""The ASGI entry point the server loads (`order_service.asgi:app`)."""

from order_service.app import create_app

app = create_app()
