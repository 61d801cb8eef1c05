"""The ASGI entry point the server loads (`search_service.asgi:app`)."""

from search_service.app import create_app

app = create_app()
