"""sync_watcher: wait for an SDS profile sync to finish and report its errors; watch a job.

``client`` is the correct client; ``buggy`` is the same client with two bugs
real clients have (see the example's README).  Both talk to an *api* object
(:mod:`sync_watcher.api`): over a ``sdssim.Simulation`` or over HTTP.
"""
