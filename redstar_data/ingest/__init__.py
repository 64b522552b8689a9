"""Ingest: sources (files, datasets folders, the Hub, the synthetic generator) -> problems, traces, rejects.

Entry point: ``redstar_data.ingest.run.ingest``; see docs/ingest.md.
"""
