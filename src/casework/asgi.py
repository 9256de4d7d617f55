"""ASGI entry point for process managers: ``uvicorn casework.asgi:app``."""

from casework.app import create_app

app = create_app()
