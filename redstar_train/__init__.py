"""redstar training side."""
