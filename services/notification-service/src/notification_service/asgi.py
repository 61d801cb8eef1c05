"""The ASGI entry point the server loads (`notification_service.asgi:app`)."""

from notification_service.app import create_app

app = create_app()
