"""Speech recognition: Whisper, its hallucination guard, the one-shot transcribe command."""
