"""The ASGI entry point the server loads (`product_service.asgi:app`)."""

from product_service.app import create_app

app = create_app()
