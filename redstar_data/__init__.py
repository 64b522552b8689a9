"""redstar data side."""
