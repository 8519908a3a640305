"""Release packages: delivery profiles, burn-in, mask band, loudness, package QC."""
