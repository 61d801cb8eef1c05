"""The ASGI entry point the server loads (`{{ cookiecutter.package }}.asgi:app`)."""

from {{ cookiecutter.package }}.app import create_app

app = create_app()
