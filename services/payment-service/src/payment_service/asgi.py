"""The ASGI entry point the server loads (`payment_service.asgi:app`)."""

from payment_service.app import create_app

app = create_app()
