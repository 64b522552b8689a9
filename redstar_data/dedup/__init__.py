"""Dedup (exact + MinHash LSH clusters) and decontamination against benchmark sources.

Entry points: ``redstar_data.dedup.run.dedup`` and ``redstar_data.dedup.run.decontaminate``; the bulk
engine on plain arrays is ``redstar_data.dedup.engine`` (what ``benchmarks/dedup.py`` measures).
"""
