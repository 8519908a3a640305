"""Speaker embeddings per stretch of audio (CAM++ in numpy), the first step to matching cues to the series cast."""

from localize.speakers.embedder import SpeakerEmbedder
from localize.speakers.weights import SpeakerModelMissing

__all__ = ["SpeakerEmbedder", "SpeakerModelMissing"]
