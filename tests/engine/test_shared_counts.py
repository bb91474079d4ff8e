"""Jobs with equal object counts share one mapping (memory for 100,000 jobs); a change
to one job's counts replaces its mapping and leaves the others' alone."""

from sdssim import Simulation


def test_equal_counts_are_one_mapping_and_a_delete_touches_one_job_only():
    sim = Simulation(seed=3)
    ids = [sim.create_job("sp", {"templateId": "scim"}, objects={"User": 400, "Group": 8}).id
           for _ in range(3)]
    other = sim.create_job("sp", {"templateId": "scim"}, objects={"Group": 8, "User": 400}).id
    jobs = sim._jobs.jobs
    assert jobs[ids[0]].objects is jobs[ids[1]].objects is jobs[ids[2]].objects
    assert jobs[other].objects is not jobs[ids[0]].objects  # another order: another list
    for jid in ids:
        sim.start_job("sp", jid)
    sim.advance("P1D")
    assert jobs[ids[0]].synced is jobs[ids[1]].synced
    sim.add_fault("mass_deletes", count=300, target=f"job/{ids[0]}")
    sim.advance("P1D")
    counts = [sim.get_job("sp", jid).status.synchronized_entry_count_by_type for jid in ids]
    assert sum(p.value for p in counts[0]) < 408  # the deletes reached job 0 ...
    assert [(p.key, p.value) for p in counts[1]] == [("User", 400), ("Group", 8)]  # ... only
    assert jobs[ids[1]].objects == {"User": 400, "Group": 8} == jobs[ids[2]].objects
