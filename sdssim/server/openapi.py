"""The OpenAPI 3.0 description the server publishes at ``/_sdssim/openapi.json``.

Built from the route registry (:data:`sdssim.server.routing.ROUTES`), so it
lists exactly what the server answers.  Request schemas are the Graph
resources' documented shapes, response schemas are kept loose (a Graph answer
carries more than a client sends); every route documents the Graph error body
for 4XX/5XX.  The fuzz tests generate requests from this document.
"""

from __future__ import annotations

from typing import Any

from sdssim.engine.faults import FAULT_KINDS
from sdssim.server.routing import ROUTES

__all__ = ["openapi_document", "SCHEMAS"]

_STR = {"type": "string"}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}
_TS = {"type": "string", "format": "date-time"}


def _obj(props: dict, required: tuple[str, ...] = (), **extra: Any) -> dict:
    doc: dict[str, Any] = {"type": "object", "properties": props, **extra}
    if required:
        doc["required"] = list(required)
    return doc


def _arr(items: dict) -> dict:
    return {"type": "array", "items": items}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


_CUSTOMIZATION = _obj({
    "optionalPropertiesToSync": _arr(_STR),
    "synchronizationStartDate": _TS,
    "isSyncDeferred": _BOOL,
    "allowDisplayNameUpdate": _BOOL,
})

SCHEMAS: dict[str, dict] = {
    "odataError": _obj({
        "error": _obj({
            "code": _STR,
            "message": _STR,
            "details": _arr(_obj({"code": _STR, "message": _STR, "target": _STR})),
            "innerError": _obj({"date": _STR, "request-id": _STR, "client-request-id": _STR},
                               ("date", "request-id", "client-request-id")),
        }, ("code", "message", "innerError")),
    }, ("error",)),
    "educationSynchronizationProfile": _obj({
        "displayName": _STR,
        "dataProvider": _obj({
            "@odata.type": {"type": "string", "enum": [
                "#microsoft.graph.educationCsvDataProvider",
                "#microsoft.graph.educationOneRosterApiDataProvider",
                "#microsoft.graph.educationPowerSchoolDataProvider",
            ]},
            "connectionUrl": _STR,
            "customizations": _ref("customizations"),
        }, ("@odata.type",)),
        "identitySynchronizationConfiguration": _obj({
            "@odata.type": {"type": "string", "enum": [
                "#microsoft.graph.educationIdentityCreationConfiguration",
                "#microsoft.graph.educationIdentityMatchingConfiguration",
            ]},
            "userDomains": _arr(_obj({"appliesTo": {"type": "string",
                                                    "enum": ["student", "teacher"]},
                                      "name": _STR})),
            "matchingOptions": _arr(_obj({"appliesTo": _STR, "sourcePropertyName": _STR,
                                          "targetDomain": _STR, "targetPropertyName": _STR})),
        }, ("@odata.type",)),
        "licensesToAssign": _arr(_obj({"appliesTo": _STR, "skuIds": _arr(_STR)})),
        "handleSpecialUserNames": _BOOL,
        "expirationDate": {"type": "string", "format": "date"},
        "customizations": _ref("customizations"),
    }, ("displayName", "dataProvider", "identitySynchronizationConfiguration")),
    "customizations": _obj({name: _CUSTOMIZATION for name in (
        "school", "section", "student", "teacher", "studentEnrollment", "teacherRoster")}),
    "educationSynchronizationProfileStatus": _obj({
        "id": _STR, "status": _STR, "errorCount": _INT, "lastActivityDateTime": _TS,
        "lastSynchronizationDateTime": _TS, "statusMessage": _STR,
    }),
    "educationSynchronizationError": _obj({
        "@odata.type": _STR,
        "entryType": {"type": "string", "enum": ["school", "section", "student", "teacher"]},
        "errorCode": _STR,
        "errorMessage": _STR,
        "joiningValue": _STR,
        "recordedDateTime": _TS,
        "reportableIdentifier": _STR,
    }),
    "synchronizationJob": _obj({
        "templateId": _STR,
        "schedule": _obj({"interval": _STR, "expiration": _TS,
                          "state": {"type": "string", "enum": ["Active", "Disabled", "Paused"]}}),
        "synchronizationJobSettings": _arr(_obj({"name": _STR, "value": _STR})),
    }),
    "synchronizationJobUpdate": _obj({
        "schedule": _obj({"interval": _STR, "expiration": _TS}),
        "synchronizationJobSettings": _arr(_obj({"name": _STR, "value": _STR})),
    }),
    "synchronizationSchema": {"type": "object"},
    "restartBody": _obj({"criteria": _obj({"resetScope": _STR})}),
    "validateCredentialsBody": _obj({
        "applicationIdentifier": _STR, "templateId": _STR, "useSavedCredentials": _BOOL,
        "credentials": _arr(_obj({"key": _STR, "value": _STR})),
    }),
    "provisionOnDemandBody": _obj({"parameters": _arr(_obj({
        "ruleId": _STR,
        "subjects": _arr(_obj({"objectId": _STR, "objectTypeName": _STR})),
    }))}, ("parameters",)),
    "stringKeyStringValuePair": _obj({"key": _STR, "value": _STR}),
    "stringValue": _obj({"value": _STR}, ("value",)),
    "profileCollection": _obj({"value": _arr({"type": "object"}), "@odata.nextLink": _STR,
                               "@odata.count": _INT}, ("value",)),
    "errorCollection": _obj({"value": _arr({"type": "object"}), "@odata.nextLink": _STR,
                             "@odata.count": _INT}, ("value",)),
    "jobCollection": _obj({"value": _arr({"type": "object"}), "@odata.nextLink": _STR,
                           "@odata.count": _INT}, ("value",)),
    "verificationMessageCollection": _obj({"value": _arr({"type": "object"})}, ("value",)),
    "advanceBody": _obj({"seconds": {"type": "number", "minimum": 0},
                         "duration": _STR, "until": _TS}, minProperties=1, maxProperties=1),
    "faultBody": _obj({
        "kind": {"type": "string", "enum": sorted(FAULT_KINDS)},
        "at": _TS, "duration": _STR, "target": _STR,
        "requests": _INT, "retryAfterSeconds": _INT, "rate": {"type": "number"},
        "count": _INT, "slowdown": {"type": "number"}, "reference": _BOOL, "code": _STR,
    }, ("kind",)),
    "csvText": _STR,
    "csvFiles": {"type": "object", "additionalProperties": _STR},
    "controlJobBody": _obj({
        "servicePrincipalId": _STR, "job": _ref("synchronizationJob"),
        "objects": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
    }, ("servicePrincipalId",)),
}

_QUERY_SCHEMAS = {
    "$top": {"type": "integer", "minimum": 0},
    "$skip": {"type": "integer", "minimum": 0},
    "$count": {"type": "boolean"},
    "tolerance": {"type": "number", "minimum": 0},
    "retryWindow": {"type": "number", "minimum": 0},
    "minPollSeconds": {"type": "number", "minimum": 0},
}

_ERROR_RESPONSE = {
    "description": "A Graph error",
    "content": {"application/json": {"schema": _ref("odataError")}},
}


def _operation(r: Any, method: str, path_params: list[str]) -> dict:
    meta = r.docs[method]
    op: dict[str, Any] = {
        "summary": meta["summary"] or method + " " + "/".join(r.pattern),
        "operationId": (r.methods[method].__name__ + "_" + method.lower()
                        + "_" + "_".join(p.strip("{}()$") for p in r.pattern)),
        "parameters": [
            {"name": p, "in": "path", "required": True, "schema": _STR} for p in path_params
        ] + [
            {"name": q, "in": "query", "required": False, "schema": _QUERY_SCHEMAS.get(q, _STR)}
            for q in meta["query"]
        ],
    }
    status = str(meta["status"])
    response: dict[str, Any] = {"description": "Success"}
    if meta["response"] is not None:
        response["content"] = {meta["media_type"]: {"schema": meta["response"]}}
    elif meta["media_type"] == "text/plain":
        response["content"] = {"text/plain": {"schema": _STR}}
    op["responses"] = {status: response, "4XX": _ERROR_RESPONSE, "5XX": _ERROR_RESPONSE}
    if meta["body"] is not None:
        media = meta["media_type"] if meta["media_type"] == "text/csv" else "application/json"
        op["requestBody"] = {"required": meta["body_required"],
                             "content": {media: {"schema": meta["body"]}}}
    if r.root == "graph":
        op["security"] = [{"bearer": []}]
    return op


def openapi_document(server_url: str = "http://127.0.0.1:8765") -> dict:
    """The OpenAPI 3.0.3 document for a server at ``server_url``."""
    paths: dict[str, dict] = {}
    for r in ROUTES:
        path_params = [p[1:-1] for p in r.pattern if p.startswith("{")]
        prefixes = [f"/{v}/" for v in r.versions] if r.root == "graph" else ["/_sdssim/"]
        for prefix in prefixes:
            item = paths.setdefault(prefix + "/".join(r.pattern), {})
            for method in r.methods:
                op = _operation(r, method, path_params)
                op["operationId"] += "_" + prefix.strip("/").replace(".", "")
                item[method.lower()] = op
    # the create-error page of the educationSynchronizationError resource writes its path under /educationRoot: an alias of /education
    alias = paths["/beta/education/synchronizationProfiles/{profileId}/errors"]
    paths["/beta/educationRoot/synchronizationProfiles/{profileId}/errors"] = {
        method: {**op, "operationId": op["operationId"] + "_educationRoot"}
        for method, op in alias.items()
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "sdssim fake Microsoft Graph",
            "version": "1.0",
            "description": "School Data Sync profiles (beta) and provisioning jobs "
                           "(v1.0, beta) over a deterministic simulation, plus the "
                           "/_sdssim control API.",
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
