"""Difficulty scores side by side in ``difficulty(problem_id, method, model, score, details)``.

Methods: ``judge`` (an LLM rates 1-10 through any generation backend), ``pass_rate`` (1 - pass rate of a
run's verified traces), ``label`` (the level the source carried, e.g. MATH "Level 3"). Entry point:
``redstar_data.difficulty.run.score``.
"""
