"""Huiyin's WSGI application with the bench's addresses (``benchmarks.urls``): what ``bench --http`` serves."""

from django.conf import settings

from config.wsgi import application

# Django reads the address book of each request from the settings: set once, before the first request.
settings.ROOT_URLCONF = "benchmarks.urls"

__all__ = ["application"]
