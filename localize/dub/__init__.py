"""The dubbing wing: who speaks each character's lines in each language, and how."""
