"""PRAP pages (issue 9, see satuanak.prap)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
