"""Synthetic Bengkayang district: the source exports a data officer would receive, plus ground truth.

Pure code (no Django).  Entry point: `satuanak.synth.generator.generate_district`.
"""

from satuanak.synth.config import Calibration, DefectRates
from satuanak.synth.generator import GENERATOR_VERSION, GenerationReport, generate_district

__all__ = ["GENERATOR_VERSION", "Calibration", "DefectRates", "GenerationReport", "generate_district"]
