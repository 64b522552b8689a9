"""Exports: a compiled recipe's selection → files (parquet / jsonl / save_to_disk), a card, the Hub."""
