"""Realistic Graph documents shared by the model tests (each fixture is a fresh copy)."""

from __future__ import annotations

import copy

import pytest

SKU_STUDENT = "314c4481-f395-4525-be8b-2ec4bb1e9d91"
SKU_TEACHER = "94763226-9b3c-4e75-a931-5c89701abe66"

CSV_PROFILE = {
    "@odata.context": "https://graph.microsoft.com/beta/$metadata#education/synchronizationProfiles/$entity",
    "id": "86904b1e-c7d0-4ead-b13a-98f11fc400ee",
    "displayName": "Contoso CSV 2026-27",
    "state": "provisioned",
    "handleSpecialUserNames": True,
    "expirationDate": "2027-07-31",
    "dataProvider": {
        "@odata.type": "#microsoft.graph.educationCsvDataProvider",
        "customizations": {
            "school": {"optionalPropertiesToSync": ["School Number", "Zip"],
                       "allowDisplayNameUpdate": False},
            "section": {"optionalPropertiesToSync": ["Term Name", "Course Subject"],
                        "isSyncDeferred": False, "allowDisplayNameUpdate": True},
            "student": {"optionalPropertiesToSync": ["State ID", "Grade"],
                        "isSyncDeferred": False, "allowDisplayNameUpdate": True},
            "teacher": {"optionalPropertiesToSync": ["Title"], "allowDisplayNameUpdate": True},
            "studentEnrollment": {"optionalPropertiesToSync": [],
                                  "synchronizationStartDate": "2026-08-15T00:00:00Z",
                                  "isSyncDeferred": True, "allowDisplayNameUpdate": False},
            "teacherRoster": {"optionalPropertiesToSync": [], "isSyncDeferred": False,
                              "allowDisplayNameUpdate": False},
        },
    },
    "identitySynchronizationConfiguration": {
        "@odata.type": "#microsoft.graph.educationIdentityCreationConfiguration",
        "userDomains": [
            {"appliesTo": "student", "name": "students.contoso.edu"},
            {"appliesTo": "teacher", "name": "contoso.edu"},
        ],
    },
    "licensesToAssign": [
        {"appliesTo": "teacher", "skuIds": [SKU_TEACHER]},
        {"appliesTo": "student", "skuIds": [SKU_STUDENT, SKU_TEACHER]},
    ],
}

ONEROSTER_PROFILE = {
    "id": "2c7e3d62-4a11-4c36-9b0e-9d1f0b7a5e21",
    "displayName": "Fabrikam OneRoster",
    "state": "provisioning",
    "handleSpecialUserNames": False,
    "dataProvider": {
        "@odata.type": "#microsoft.graph.educationOneRosterApiDataProvider",
        "connectionUrl": "https://oneroster.fabrikam.edu/ims/oneroster/v1p1",
        "providerName": "Fabrikam SIS",
        "schoolsIds": ["1001", "1002"],
        "termIds": ["2026-T1", "2026-T2"],
        "connectionSettings": {
            "@odata.type": "#microsoft.graph.educationSynchronizationOAuth1ConnectionSettings",
            "clientId": "sds-client",
            "clientSecret": "not-a-secret",
        },
    },
    "identitySynchronizationConfiguration": {
        "@odata.type": "#microsoft.graph.educationIdentityMatchingConfiguration",
        "matchingOptions": [
            {"appliesTo": "student", "sourcePropertyName": "username",
             "targetDomain": "students.fabrikam.edu", "targetPropertyName": "userPrincipalName"},
            {"appliesTo": "teacher", "sourcePropertyName": "email",
             "targetDomain": "fabrikam.edu", "targetPropertyName": "mail"},
        ],
    },
    "licensesToAssign": [],
}

POWERSCHOOL_PROFILE = {
    "id": "a3b4c5d6-0000-4000-8000-000000000003",
    "displayName": "Northwind PowerSchool",
    "state": "deletionFailed",
    "dataProvider": {
        "@odata.type": "#microsoft.graph.educationPowerSchoolDataProvider",
        "connectionUrl": "https://northwind.powerschool.com",
        "schoolsIds": ["7"],
        "schoolYear": "2026",
        "allowTeachersInMultipleSchools": True,
        "connectionSettings": {"clientId": "ps", "clientSecret": "x"},
        "customizations": {"student": {"optionalPropertiesToSync": ["Grade"],
                                       "allowDisplayNameUpdate": True}},
    },
}

# Seed 003's example, verbatim (older shape).
LEGACY_PROFILE = {
    "displayName": "Term 1 Sync",
    "lastSynchronizationTime": "0001-01-01T00:00:00Z",
    "state": "Provisioned",
    "syncStatus": "Paused",
    "errorStatus": "None",
    "id": "19c097a9-ea10-49bb-9242-2cc657549032",
    "dataProvider": {"@odata.type": "#microsoft.graph.educationcsvdataprovider"},
    "identitySynchronizationConfiguration": {
        "@odata.type": "#microsoft.graph.educationidentitycreationconfiguration",
        "userDomains": [{"appliesTo": "Student", "name": "school.edu"},
                        {"appliesTo": "Teacher", "name": "school.edu"}],
    },
    "licensesToAssign": [
        {"appliesTo": "Teacher", "skuIds": ["6fd2c87f-b296-42f0-b197-1e91e994b900"]},
        {"appliesTo": "Student", "skuIds": ["6fd2c87f-b296-42f0-b197-1e91e994b900"]},
    ],
    "customizations": {
        "school": {"optionalPropertiesToSync": [], "allowDisplayNameUpdate": False},
        "section": {"optionalPropertiesToSync": [], "allowDisplayNameUpdate": False},
        "student": {"optionalPropertiesToSync": [], "allowDisplayNameUpdate": False},
        "teacher": {"optionalPropertiesToSync": [], "allowDisplayNameUpdate": False},
        "studentEnrollment": {"optionalPropertiesToSync": [],
                              "synchronizationStartDate": "0001-01-01T00:00:00Z",
                              "allowDisplayNameUpdate": False},
        "teacherRoster": {"optionalPropertiesToSync": [], "allowDisplayNameUpdate": False},
    },
}

PROFILE_STATUS = {
    "@odata.context": "https://graph.microsoft.com/beta/$metadata#education/synchronizationProfiles('86904b1e')/profileStatus/$entity",
    "id": "86904b1e-c7d0-4ead-b13a-98f11fc400ee",
    "status": "inProgress",
    "errorCount": 17,
    "lastActivityDateTime": "2026-09-01T08:41:12.5Z",
    "lastSynchronizationDateTime": "2026-08-31T22:10:00Z",
    "statusMessage": "Synchronizing 12,480 of 30,112 users",
}

SYNC_ERROR = {
    "@odata.type": "#Microsoft.Education.DataSync.educationSynchronizationError",
    "id": "bcc5f51b-f51b-bcc5-1bf5-c5bc1bf5c5bc",
    "entryType": "student",
    "errorCode": "AzureActiveDirectoryInvalidPropertyValue",
    "errorMessage": "The value 'jo hn@contoso.edu' of property userPrincipalName is invalid.",
    "joiningValue": "S-000917",
    "recordedDateTime": "2026-09-01T08:43:07.123456Z",
    "reportableIdentifier": "jo hn@contoso.edu",
}

VERIFICATION_MESSAGE = {
    "type": "Error",
    "group": "Student.csv",
    "description": "3 row(s) have missing data for the field - Username",
    "resolution": "Provide a Username for every row of Student.csv and upload the files again.",
    "fileName": "Student.csv",
}

QUARANTINED_JOB = {
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#servicePrincipals('sp')/synchronization/jobs/$entity",
    "id": "SdsProvisioning.f1e2d3c4b5a6978899aabbccddeeff00.4b1f1c9a-0000-4000-8000-000000000001",
    "templateId": "SdsProvisioning",
    "schedule": {
        "expiration": "0001-01-01T00:00:00Z",
        "interval": "PT40M",
        "state": "Active",
    },
    "status": {
        "code": "Quarantine",
        "countSuccessiveCompleteFailures": 0,
        "escrowsPruned": False,
        "lastExecution": {
            "activityIdentifier": "7c1b2f0e-3a4d-4c5b-8e9f-0a1b2c3d4e5f",
            "countEntitled": 30112,
            "countEntitledForProvisioning": 30112,
            "countEscrowed": 0,
            "countEscrowedRaw": 0,
            "countExported": 0,
            "countExports": 0,
            "countImported": 30112,
            "countImportedDeltas": 842,
            "countImportedReferenceDeltas": 0,
            "state": "Failed",
            "error": {
                "code": "TooManyDeletes",
                "message": "The job exceeded the deletion threshold of 500 in one cycle.",
                "tenantActionable": True,
            },
            "timeBegan": "2026-09-02T10:00:00Z",
            "timeEnded": "2026-09-02T10:12:31.25Z",
        },
        "lastSuccessfulExecution": {
            "activityIdentifier": "5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c",
            "countEntitled": 30112,
            "countEntitledForProvisioning": 30112,
            "countEscrowed": 0,
            "countEscrowedRaw": 0,
            "countExported": 12,
            "countExports": 12,
            "countImported": 30112,
            "countImportedDeltas": 14,
            "countImportedReferenceDeltas": 2,
            "state": "Succeeded",
            "timeBegan": "2026-09-02T09:20:00Z",
            "timeEnded": "2026-09-02T09:31:10Z",
        },
        "lastSuccessfulExecutionWithExports": {
            "activityIdentifier": "5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c",
            "countExported": 12,
            "state": "Succeeded",
            "timeBegan": "2026-09-02T09:20:00Z",
            "timeEnded": "2026-09-02T09:31:10Z",
        },
        "progress": [
            {"completedUnits": 30112, "progressObservationDateTime": "2026-09-02T10:12:31Z",
             "totalUnits": 30112, "units": "Objects"},
        ],
        "quarantine": {
            "currentBegan": "2026-09-02T10:12:31Z",
            "nextAttempt": "2026-09-02T16:12:31Z",
            "reason": "TooManyDeletes",
            "seriesBegan": "2026-09-02T10:12:31Z",
            "seriesCount": 1,
            "error": {
                "code": "TooManyDeletes",
                "message": "842 deletions exceed QuarantineTooManyDeletesThreshold (500).",
                "tenantActionable": True,
            },
        },
        "steadyStateFirstAchievedTime": "2026-09-01T11:03:44Z",
        "steadyStateLastAchievedTime": "2026-09-02T09:31:10Z",
        "synchronizedEntryCountByType": [
            {"key": "user to user", "value": 30034},
            {"key": "group to group", "value": 78},
        ],
        "troubleshootingUrl": "https://aka.ms/ProvisioningTroubleshooting",
    },
    "synchronizationJobSettings": [
        {"name": "QuarantineTooManyDeletesThreshold", "value": "500"},
        {"name": "Domain", "value": "contoso.edu"},
    ],
}

NEW_JOB = {
    "id": "SdsProvisioning.00000000000000000000000000000000.new",
    "templateId": "SdsProvisioning",
    "schedule": {
        "expiration": "0001-01-01T00:00:00Z",
        "interval": "P10675199DT2H48M5.4775807S",
        "state": "Disabled",
    },
    "status": {
        "code": "NotConfigured",
        "countSuccessiveCompleteFailures": 0,
        "escrowsPruned": False,
        "progress": [],
        "steadyStateFirstAchievedTime": "0001-01-01T00:00:00Z",
        "steadyStateLastAchievedTime": "0001-01-01T00:00:00Z",
        "synchronizedEntryCountByType": [],
    },
    "synchronizationJobSettings": [],
}

SCHEMA = {
    "id": "SdsProvisioning",
    "version": "Date:2026-09-01T00:00:00Z",
    "synchronizationRules": [
        {"id": "sds.user", "name": "SDS users to Microsoft Entra ID",
         "sourceDirectoryName": "SDS", "targetDirectoryName": "Microsoft Entra ID"},
    ],
    "directories": [
        {"id": "sds", "name": "SDS",
         "objects": [{"name": "User", "attributes": [{"name": "userName", "type": "String"}]}]},
        {"id": "aad", "name": "Microsoft Entra ID", "objects": [{"name": "User", "attributes": []}]},
    ],
}

DOCS = {
    "csv_profile": CSV_PROFILE,
    "oneroster_profile": ONEROSTER_PROFILE,
    "powerschool_profile": POWERSCHOOL_PROFILE,
    "legacy_profile": LEGACY_PROFILE,
    "profile_status": PROFILE_STATUS,
    "sync_error": SYNC_ERROR,
    "verification_message": VERIFICATION_MESSAGE,
    "quarantined_job": QUARANTINED_JOB,
    "new_job": NEW_JOB,
    "schema": SCHEMA,
}


def strip_odata(value):
    """``value`` without ``@odata.*`` keys, recursively."""
    if isinstance(value, dict):
        return {k: strip_odata(v) for k, v in value.items() if not k.startswith("@odata.")}
    if isinstance(value, list):
        return [strip_odata(v) for v in value]
    return value


@pytest.fixture
def docs():
    """A fresh deep copy of every sample document, by name."""
    return copy.deepcopy(DOCS)


@pytest.fixture(scope="session")
def strip():
    """The :func:`strip_odata` helper."""
    return strip_odata
