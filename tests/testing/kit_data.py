"""Shared by the testing-kit tests: a CSV profile body, a set of SDS CSV files, a started sync."""

PROFILE = {
    "displayName": "Term 1 Sync",
    "dataProvider": {"@odata.type": "#microsoft.graph.educationCsvDataProvider"},
    "identitySynchronizationConfiguration": {
        "@odata.type": "#microsoft.graph.educationIdentityCreationConfiguration",
        "userDomains": [{"appliesTo": "student", "name": "contoso.edu"}],
    },
    "licensesToAssign": [],
}
#: the six CSV files of one school; the second student's username is not valid
FILES = {
    "School.csv": "SIS ID,Name\nSCH1,North High\n",
    "Section.csv": "SIS ID,School SIS ID,Section Name\nSEC1,SCH1,Algebra\n",
    "Student.csv": "SIS ID,School SIS ID,Username\nSTU1,SCH1,stu1@contoso.edu\n"
                   "STU2,SCH1,bad name\n",
    "Teacher.csv": "SIS ID,School SIS ID,Username\nTCH1,SCH1,tch1@contoso.edu\n",
    "StudentEnrollment.csv": "Section SIS ID,SIS ID\nSEC1,STU1\n",
    "TeacherRoster.csv": "Section SIS ID,SIS ID\nSEC1,TCH1\n",
}


def started_profile(sim, files=FILES, *, before_upload="PT5M", before_start="PT5M"):
    """Create a :data:`PROFILE`, upload ``files`` once it is provisioned, start its sync: its id."""
    pid = sim.create_profile(PROFILE).id
    sim.advance(before_upload)
    sim.get_upload_url(pid)
    sim.upload_files(pid, files)
    sim.advance(before_start)
    sim.start_profile(pid)
    return pid
