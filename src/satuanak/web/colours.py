"""One fill colour per kecamatan, shared by the map (via json_script) and the table swatches.

The map has no tile layer, so colour is what tells neighbouring kecamatan apart. 17 colours
from a qualitative palette (Tableau 20 style), picked so adjacent codes differ.
"""

from __future__ import annotations

KECAMATAN_PALETTE: tuple[str, ...] = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#a0cbe8",
    "#ffbe7d",
    "#8cd17d",
    "#bab0ac",
    "#499894",
    "#b6992d",
    "#d4a6c8",
    "#fabfd2",
)


def kecamatan_colour(index: int) -> str:
    """The colour of the kecamatan at position `index` in code order."""
    return KECAMATAN_PALETTE[index % len(KECAMATAN_PALETTE)]
