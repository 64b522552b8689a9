"""`redstar browse`: a local, read-only web viewer on the catalog."""
