"""Shared builders for engine tests."""


CSV_PROVIDER = {"@odata.type": "#microsoft.graph.educationCsvDataProvider"}
ONEROSTER_PROVIDER = {
    "@odata.type": "#microsoft.graph.educationOneRosterApiDataProvider",
    "connectionUrl": "https://oneroster.example.edu/ims/oneroster/v1p1",
    "providerName": "Example SIS",
}
CREATION = {
    "@odata.type": "#microsoft.graph.educationIdentityCreationConfiguration",
    "userDomains": [{"appliesTo": "student", "name": "students.example.edu"},
                    {"appliesTo": "teacher", "name": "example.edu"}],
}


def profile_body(provider=None, name="Term 1 Sync", identity=None):
    return {
        "displayName": name,
        "dataProvider": provider or CSV_PROVIDER,
        "identitySynchronizationConfiguration": identity or CREATION,
        "licensesToAssign": [],
    }


def good_files(students=3):
    rows = "".join(f"st{i},1,student{i}@students.example.edu\n" for i in range(students))
    enrol = "".join(f"s1,st{i}\n" for i in range(students))
    return {
        "School.csv": "SIS ID,Name\n1,North High\n",
        "Section.csv": "SIS ID,School SIS ID,Section Name\ns1,1,Algebra I\n",
        "Student.csv": "SIS ID,School SIS ID,Username\n" + rows,
        "Teacher.csv": "SIS ID,School SIS ID,Username\nt1,1,teacher1@example.edu\n",
        "StudentEnrollment.csv": "Section SIS ID,SIS ID\n" + enrol,
        "TeacherRoster.csv": "Section SIS ID,SIS ID\ns1,t1\n",
    }


def provisioned_csv(sim):
    p = sim.create_profile(profile_body())
    sim.advance("PT5M")
    return p.id


def uploaded(sim, files=None):
    pid = provisioned_csv(sim)
    sim.get_upload_url(pid)
    sim.upload_files(pid, files or good_files())
    sim.advance("PT5M")
    return pid


def started_job(sim, objects=None, sp="sp-1", body=None):
    job = sim.create_job(sp, body or {"templateId": "scim"}, objects=objects or {"User": 1000})
    sim.start_job(sp, job.id)
    return job.id

