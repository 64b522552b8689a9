"""Teacher generation: problems → runs + traces, through pluggable backends."""
