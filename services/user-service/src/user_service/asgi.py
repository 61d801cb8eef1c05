"""The ASGI entry point the server loads (`user_service.asgi:app`)."""

from user_service.app import create_app

app = create_app()
