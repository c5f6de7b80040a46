"""The model path: engines, the model candidate source, its prompt and answer parsing."""
