// Microsoft's JavaScript Graph client (@microsoft/microsoft-graph-client 3.x), unmodified,
// against `sdssim serve --tls`. Run by tests/server/test_js_client.py:
//   SDSSIM_URL=https://127.0.0.1:PORT NODE_EXTRA_CA_CERTS=.../ca.pem node lifecycle.js
// Prints one JSON document of what it saw; the Python test asserts on it, on the server's
// request log and on the scorecard. Exit 1 with the error on stderr if a step throws.
"use strict";
const { Client, PageIterator } = require("@microsoft/microsoft-graph-client");

const base = process.env.SDSSIM_URL;
const token = process.env.SDSSIM_TOKEN || "js-client-token";
// the client attaches the bearer token only to https Graph hosts, or to these
const client = Client.initWithMiddleware({
  authProvider: { getAccessToken: async () => token },
  baseUrl: base,
  defaultVersion: "beta",
  customHosts: new Set([new URL(base).hostname]),
});

const PROFILE = {
  displayName: "Term 1 Sync",
  dataProvider: { "@odata.type": "#microsoft.graph.educationCsvDataProvider" },
  identitySynchronizationConfiguration: {
    "@odata.type": "#microsoft.graph.educationIdentityCreationConfiguration",
    userDomains: [{ appliesTo: "student", name: "school.edu" },
                  { appliesTo: "teacher", name: "school.edu" }],
  },
  licensesToAssign: [],
};
const CSV = {
  "School.csv": "SIS ID,Name\n1,North High\n",
  "Section.csv": "SIS ID,School SIS ID,Section Name\n10,1,Mathematics\n",
  "Student.csv": "SIS ID,School SIS ID,Username\n100,1,ana\n101,1,ben\n",
  "Teacher.csv": "SIS ID,School SIS ID,Username\n200,1,chloe\n",
  "StudentEnrollment.csv": "Section SIS ID,SIS ID\n10,100\n10,101\n",
  "TeacherRoster.csv": "Section SIS ID,SIS ID\n10,200\n",
};

// the control API (not Graph): plain fetch over the same HTTPS connection settings
async function control(method, path, body, raw) {
  const url = path.startsWith("https://") ? path : base + path;
  const response = await fetch(url, {
    method,
    headers: raw ? { "x-ms-blob-type": "BlockBlob" } : { "content-type": "application/json" },
    body: raw !== undefined ? raw : body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response;
}
const advance = (doc) => control("POST", "/_sdssim/clock/advance", doc);

async function main() {
  const seen = {};
  const profiles = "/education/synchronizationProfiles";

  const created = await client.api(profiles).post(PROFILE);
  seen.createdState = created.state;
  seen.context = created["@odata.context"];
  const item = `${profiles}/${created.id}`;
  for (let i = 0; i < 20 && (await client.api(item).get()).state !== "provisioned"; i++) {
    await advance({ seconds: 60 });
  }
  seen.provisioned = (await client.api(item).get()).state;

  const upload = (await client.api(`${item}/uploadUrl()`).get()).value;
  seen.uploadUrl = upload;
  const [container, sas] = upload.split("?");
  for (const [name, text] of Object.entries(CSV)) {
    await control("PUT", `${container}/${name}?${sas}`, undefined, text);
  }
  await advance({ duration: "PT5M" });
  seen.startMessages = (await client.api(`${item}/start`).post({})).value;
  seen.statusPlain = (await client.api(`${item}/profileStatus`).get()).status;
  seen.statusPreferred = (await client.api(`${item}/profileStatus`)
    .header("Prefer", "include-unknown-enum-members").get()).status;
  for (let i = 0; i < 48; i++) {
    await advance({ seconds: 300 });
    if ((await client.api(`${item}/profileStatus`).get()).status === "success") break;
  }
  seen.finalStatus = (await client.api(`${item}/profileStatus`).get()).status;

  // 25 errors, paged 10 at a time by the client's PageIterator
  for (let i = 0; i < 25; i++) {
    await client.api(`${item}/errors`).post({
      entryType: "student", errorCode: "UnmatchedEntry", errorMessage: `entry ${i} has no match`,
      joiningValue: String(1000 + i), reportableIdentifier: `student-${i}`,
    });
  }
  const first = await client.api(`${item}/errors`).get();
  seen.firstPage = first.value.length;
  seen.nextLink = first["@odata.nextLink"];
  const paged = [];
  await new PageIterator(client, first, (e) => { paged.push(e.joiningValue); return true; }).iterate();
  seen.paged = paged;

  // $filter and $count
  const filtered = await client.api(`${item}/errors`).filter("startswith(joiningValue,'102')")
    .count(true).get();
  seen.filtered = filtered.value.map((e) => e.joiningValue);
  seen.filteredCount = filtered["@odata.count"];
  seen.countText = await client.api(`${item}/errors/$count`).get();

  // 429 with Retry-After: the client's RetryHandler waits and retries
  await control("POST", "/_sdssim/faults", { kind: "throttle", requests: 2, retryAfterSeconds: 1 });
  seen.afterThrottle = (await client.api(`${item}/profileStatus`).get()).status;

  // refusals are GraphErrors carrying Graph's body
  try {
    await client.api(`${profiles}/no-such-profile`).get();
  } catch (e) {
    seen.notFound = [e.statusCode, e.code];
  }

  // provisioning jobs on v1.0
  const jobs = "/servicePrincipals/sp-js/synchronization/jobs";
  const job = await client.api(jobs).version("v1.0").post({ templateId: "scim" });
  seen.jobContext = job["@odata.context"];
  await client.api(`${jobs}/${job.id}/start`).version("v1.0").post({});
  await advance({ seconds: 3600 });
  seen.jobIds = (await client.api(jobs).version("v1.0").get()).value.map((j) => j.id);
  seen.jobState = (await client.api(`${jobs}/${job.id}`).version("v1.0").get()).schedule.state;
  await client.api(`${jobs}/${job.id}`).version("v1.0").delete();
  try {
    await client.api(`${jobs}/${job.id}`).version("v1.0").get();
  } catch (e) {
    seen.jobAfterDelete = e.statusCode;
  }
  seen.jobId = job.id;

  await client.api(item).delete();
  seen.deleted = (await client.api(item).get()).state;
  process.stdout.write(JSON.stringify(seen) + "\n");
}

main().catch((e) => {
  process.stderr.write(`lifecycle failed: ${e && e.stack ? e.stack : e}\n`);
  if (e && e.body) process.stderr.write(`body: ${e.body}\n`);
  process.exit(1);
});
