"""Translation engines behind one protocol: tm, argos, llm."""
