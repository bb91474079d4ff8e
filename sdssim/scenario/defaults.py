"""What a scenario gets for what it leaves out: the subjects' defaults.

Anything that writes scenarios (or plans a run the way a scenario would) takes
these from here, so a left-out field means the same thing everywhere.  The default
start time is :data:`sdssim.clock.DEFAULT_START`.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "default_profile_body",
    "default_job_body",
    "default_service_principal",
]

def default_profile_body(key: str) -> dict[str, Any]:
    """The Graph body of a profile declared without one: a CSV profile named ``key``."""
    return {
        "displayName": key,
        "dataProvider": {"@odata.type": "#microsoft.graph.educationCsvDataProvider"},
        "identitySynchronizationConfiguration": {
            "@odata.type": "#microsoft.graph.educationIdentityCreationConfiguration",
            "userDomains": [
                {"appliesTo": "student", "name": "contoso.edu"},
                {"appliesTo": "teacher", "name": "contoso.edu"},
            ],
        },
        "licensesToAssign": [],
    }


def default_job_body(key: str) -> dict[str, Any]:
    """The Graph body of a job declared without one: the template named ``key``."""
    return {"templateId": key}


def default_service_principal(key: str) -> str:
    """The service principal of a job declared without one."""
    return f"sp-{key}"
