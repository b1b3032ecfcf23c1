"""Pages of satuanak.cegah (issue 13)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
