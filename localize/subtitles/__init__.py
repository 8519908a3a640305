"""Subtitle craft: segmentation, line breaking, timing, reading width, profiles, QC."""
