"""A Hypothesis ``RuleBasedStateMachine`` for checking a client against the simulated service.

Subclass :class:`SimulationMachine`, build your client over ``self.sim`` in
``__init__`` (after ``super().__init__()``), and add rules that call the
client and invariants about what it should believe::

    class CheckMyClient(SimulationMachine):
        def __init__(self):
            super().__init__()
            self.client = MyClient(SimulationApi(self.sim))

        @rule(profile=SimulationMachine.profiles)
        def client_waits(self, profile):
            self.report = self.client.wait_for_sync(profile)

        @invariant()
        def client_agrees(self):
            ...

    TestMyClient = CheckMyClient.TestCase

The base machine drives the service: it creates profiles (bundle
``profiles``: ids) and jobs (bundle ``jobs``: ``(service_principal_id,
job_id)``), uploads generated CSV datasets, makes lifecycle calls, injects
faults and lets virtual time pass.  Refusals are part of the service, so a
call the service refuses is recorded in ``self.refusals``, never raised.
The model's own invariants (:mod:`sdssim.testing.invariants`) run after
every step.

**Seed.**  ``seed = None`` (the default) draws the simulation's seed from
Hypothesis in ``__init__``, so it shrinks and replays with the rest of the
example.  Set ``seed`` on a subclass to pin it.

**Replay.**  When Hypothesis replays the minimal failing example, teardown
writes it as a scenario (:func:`sdssim.to_scenario`) to
``failure_scenario_dir`` (default: ``sdssim-failures`` in the temporary
directory) and notes the path: ``sdssim run PATH`` reproduces the failure's
service side.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from typing import Any

from hypothesis import note
from hypothesis import strategies as st
from hypothesis.control import current_build_context, currently_in_test_context
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule

from sdssim.clock import DEFAULT_START
from sdssim.engine import SimConfig, Simulation
from sdssim.engine.faults import JOB_ONLY_FAULTS, PROFILE_ONLY_FAULTS, UNTARGETED_FAULTS
from sdssim.engine.subjects import job_subject, profile_subject
from sdssim.errors import GraphError
from sdssim.scenario.export import to_scenario

from .forking import assert_same_future
from .invariants import ModelInvariants
from .strategies import (
    SCENARIO_FAULT_KINDS,
    csv_datasets,
    durations,
    fault_params,
    job_objects,
    profile_bodies,
    seeds,
)

__all__ = ["CheckpointedSimulationMachine", "SimulationMachine"]

_PROFILE_ACTIONS = ("pause_profile", "resume_profile", "reset_profile", "delete_profile")
_JOB_ACTIONS = ("pause_job", "stop_job", "restart_job", "apply_job", "validate_credentials",
                "delete_job")


class SimulationMachine(RuleBasedStateMachine):
    """Drives a :class:`~sdssim.Simulation`; subclass it to check a client (see the module)."""

    #: the simulation's seed; ``None``: drawn by Hypothesis (shrinks, replays)
    seed: int | None = None
    start: str = DEFAULT_START
    config: SimConfig | None = None
    #: the longest single ``advance`` step
    max_advance: str = "P2D"
    #: the fault kinds the ``add_fault`` rule injects (default: those a scenario can hold)
    fault_kinds: Sequence[str] = SCENARIO_FAULT_KINDS
    #: where the minimal failing example is written as a scenario (``None``: a temp dir)
    failure_scenario_dir: str | None = None

    profiles = Bundle("profiles")
    jobs = Bundle("jobs")

    def __init__(self) -> None:
        super().__init__()
        seed = self.seed
        if seed is None:
            seed = (current_build_context().data.draw(seeds())
                    if currently_in_test_context() else 0)
            note(f"sdssim: simulation seed {seed}")
        self.sim = Simulation(seed=seed, start=self.start, config=self.config)
        self.model = ModelInvariants(self.sim)
        #: ``(method, GraphError)`` for every call the service refused
        self.refusals: list[tuple[str, GraphError]] = []
        self._profile_ids: list[str] = []
        self._job_ids: list[tuple[str, str]] = []

    # -- helpers -------------------------------------------------------------------------------
    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Call a Simulation method; a refusal is recorded in ``refusals`` and returned."""
        try:
            return getattr(self.sim, method)(*args, **kwargs)
        except GraphError as exc:
            self.refusals.append((method, exc))
            return exc

    # -- rules: creating subjects --------------------------------------------------------------
    @rule(target=profiles, body=profile_bodies())
    def create_profile(self, body: dict) -> Any:
        made = self.call("create_profile", body)
        if isinstance(made, GraphError):
            return multiple()
        self._profile_ids.append(made.id)
        return made.id

    @rule(target=jobs, objects=job_objects(), sp=st.sampled_from(["sp-1", "sp-2"]))
    def create_job(self, objects: dict, sp: str) -> Any:
        made = self.call("create_job", sp, {"templateId": "scim"}, objects=objects)
        if isinstance(made, GraphError):
            return multiple()
        self._job_ids.append((sp, made.id))
        return (sp, made.id)

    # -- rules: profiles ------------------------------------------------------------------------
    @rule(profile=profiles, dataset=csv_datasets(
        defects=st.sampled_from([{}, {"missing": 0.1}, {"dangling": 0.2}, {"bad_format": 0.1},
                                 {"duplicates": 0.05}])))
    def upload_and_start(self, profile: str, dataset: Any) -> None:
        """Wait out provisioning, upload a dataset, wait until it is processed, start the sync."""
        found = self.call("get_profile", profile)
        if isinstance(found, GraphError):
            return
        if found.state.value == "provisioning":
            self.sim.advance(self.sim.config.provisioning_delay)
        if isinstance(self.call("get_upload_url", profile), GraphError):
            return
        if isinstance(self.call("upload_files", profile, dataset.files), GraphError):
            return
        self.sim.advance(self.sim.config.upload_processing)
        self.call("start_profile", profile)

    @rule(profile=profiles, method=st.sampled_from(_PROFILE_ACTIONS))
    def profile_action(self, profile: str, method: str) -> None:
        self.call(method, profile)

    # -- rules: jobs -----------------------------------------------------------------------------
    @rule(job=jobs)
    def start_job(self, job: tuple[str, str]) -> None:
        self.call("start_job", *job)

    @rule(job=jobs, method=st.sampled_from(_JOB_ACTIONS))
    def job_action(self, job: tuple[str, str], method: str) -> None:
        self.call(method, *job)

    # -- rules: time and faults -----------------------------------------------------------------
    @rule(data=st.data())
    def advance(self, data: st.DataObject) -> None:
        self.sim.advance(data.draw(durations("1m", self.max_advance), label="duration"))

    @rule(data=st.data())
    def add_fault(self, data: st.DataObject) -> None:
        kind = data.draw(st.sampled_from(sorted(self.fault_kinds)), label="kind")
        targets: list[str | None] = [None]
        if kind not in UNTARGETED_FAULTS:
            if kind not in JOB_ONLY_FAULTS:
                targets += [profile_subject(p) for p in self._profile_ids]
            if kind not in PROFILE_ONLY_FAULTS:
                targets += [job_subject(j) for _sp, j in self._job_ids]
        target = data.draw(st.sampled_from(targets), label="target")
        duration = data.draw(st.none() | durations("1m", self.max_advance), label="duration")
        params = data.draw(fault_params(kind), label="params")
        self.sim.add_fault(kind, duration=duration, target=target, **params)

    # -- the model's own invariants -------------------------------------------------------------
    @invariant()
    def model_invariants(self) -> None:
        self.model.check()

    # -- replay ---------------------------------------------------------------------------------
    def scenario_path(self) -> str:
        """Where the minimal failing example's scenario is written."""
        folder = self.failure_scenario_dir or os.path.join(tempfile.gettempdir(),
                                                           "sdssim-failures")
        return os.path.join(folder, f"{type(self).__name__}-seed{self.sim.seed}.yaml")

    def teardown(self) -> None:
        if currently_in_test_context() and current_build_context().is_final:
            path = self.scenario_path()
            os.makedirs(os.path.dirname(path), exist_ok=True)
            to_scenario(self.sim, path, name=f"{type(self).__name__} (minimal failing example)")
            note(f"sdssim: the failing example as a scenario: {path} "
                 f"(replay: sdssim run {path})")


class CheckpointedSimulationMachine(SimulationMachine):
    """:class:`SimulationMachine` plus a rule that checkpoints, restores and compares futures.

    At any step the rule saves the simulation, restores a copy and lets both run the
    same drawn duration: they must make the same records (and ids, random draws,
    faults and ``call_log``).  Subclass it instead of :class:`SimulationMachine` to
    check checkpoints under the same random call sequences as your client.
    """

    @rule(data=st.data())
    def restored_copy_evolves_identically(self, data: st.DataObject) -> None:
        duration = data.draw(durations("1m", self.max_advance), label="duration")
        assert_same_future(self.sim, duration)
