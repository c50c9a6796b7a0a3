"""The noise process of diffusion, kept apart from the network: schedules, sampler steps, one loop.

The scheduler never sees the network and the network never sees betas (DESIGN.md §4.4).
"""
