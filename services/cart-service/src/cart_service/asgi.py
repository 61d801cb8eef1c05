"""The ASGI entry point the server loads (`cart_service.asgi:app`)."""

from cart_service.app import create_app

app = create_app()
