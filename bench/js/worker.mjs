// cks_fdw benchmark contender: what a user would write with the AWS SDK for
// JavaScript v3 (@aws-sdk/client-kms) on Node.
//
// The same line protocol as bench/workers/boto3_worker.py: one JSON command
// per stdin line, one JSON answer per command with the wall time and this
// process's CPU time (process.cpuUsage: user + system, every thread).  The
// process and its clients live for the whole benchmark, so start-up and
// client creation stay out of the figures (generous to the SDK).
//
//   {"op": "scan", "region": R, "key": [AKID, SECRET]}      paginator, 1000/page
//   {"op": "lookups", "region": R, "key": [...], "ids": [...]}  await in a loop
//   {"op": "fanout", "mode": "seq"|"pool", "regions": [...], "keys": [...]}
//       "pool" is Promise.all over every (account, region)
import { createInterface } from "node:readline";
import {
  KMSClient,
  DescribeCustomKeyStoresCommand,
  paginateDescribeCustomKeyStores,
} from "@aws-sdk/client-kms";

const endpoint = process.env.CKS_ENDPOINT_URL;
const clients = new Map();

// One cached client per (region, key): built once, then reused warm.
function client(region, key) {
  const k = region + "/" + key[0];
  if (!clients.has(k)) {
    clients.set(k, new KMSClient({
      region,
      endpoint,
      maxAttempts: 1,
      credentials: { accessKeyId: key[0], secretAccessKey: key[1] },
    }));
  }
  return clients.get(k);
}

async function scan(region, key) {
  let rows = 0;
  const pages = paginateDescribeCustomKeyStores(
    { client: client(region, key), pageSize: 1000 }, {});
  for await (const page of pages) rows += page.CustomKeyStores.length;
  return rows;
}

async function lookups(region, key, ids) {
  const kms = client(region, key);
  let rows = 0;
  for (const id of ids) {
    const out = await kms.send(
      new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id }));
    rows += out.CustomKeyStores.length;
  }
  return rows;
}

async function fanout(mode, regions, keys) {
  const pairs = [];
  for (const k of keys) for (const r of regions) pairs.push([r, k]);
  if (mode === "seq") {
    let rows = 0;
    for (const [r, k] of pairs) rows += await scan(r, k);
    return rows;
  }
  const counts = await Promise.all(pairs.map(([r, k]) => scan(r, k)));
  return counts.reduce((a, b) => a + b, 0);
}

function prepare(cmd) {
  if (cmd.op === "scan") {
    client(cmd.region, cmd.key);
    return () => scan(cmd.region, cmd.key);
  }
  if (cmd.op === "lookups") {
    client(cmd.region, cmd.key);
    return () => lookups(cmd.region, cmd.key, cmd.ids);
  }
  if (cmd.op === "fanout") {
    for (const k of cmd.keys) for (const r of cmd.regions) client(r, k);
    return () => fanout(cmd.mode, cmd.regions, cmd.keys);
  }
  throw new Error("unknown op " + cmd.op);
}

// Commands run one at a time, in arrival order.
const rl = createInterface({ input: process.stdin });
let queue = Promise.resolve();
rl.on("line", (line) => {
  queue = queue.then(async () => {
    let out;
    try {
      const work = prepare(JSON.parse(line));
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      const rows = await work();
      const t1 = process.hrtime.bigint();
      const c = process.cpuUsage(c0);
      out = { rows, wall: Number(t1 - t0) / 1e9, cpu: (c.user + c.system) / 1e6 };
    } catch (e) {
      out = { error: String(e && e.name) + ": " + String(e && e.message) };
    }
    process.stdout.write(JSON.stringify(out) + "\n");
  });
});
