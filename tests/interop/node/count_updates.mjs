// How many value updates an OPC UA server delivers to a subscriber we did not write
// (benchmarks/live_vs_bare.py runs it against the live server and a bare asyncua one).
//
//   node count_updates.mjs --url opc.tcp://127.0.0.1:4840/testbed/ --root Factory \
//       [--seconds 15] [--warmup 3]
//
// It browses Objects/<root> for every variable (properties left out), monitors each one with
// every write reported (StatusValueTimestamp, queue 1000, 20 ms publishing) in calls of the
// server's MaxMonitoredItemsPerCall, counts the notifications after the warm-up and takes each
// one's lag: its receipt minus its ServerTimestamp. It prints one JSON object on stdout.

import { parseArgs } from "node:util";

import {
    AttributeIds,
    BrowseDirection,
    ClientSubscription,
    DataChangeFilter,
    DataChangeTrigger,
    NodeClass,
    OPCUAClient,
    TimestampsToReturn,
} from "node-opcua";

const { values: args } = parseArgs({ options: {
    url: { type: "string" }, root: { type: "string" },
    seconds: { type: "string", default: "15" }, warmup: { type: "string", default: "3" },
} });
const HAS_PROPERTY = "ns=0;i=46";
const MAX_MONITORED_ITEMS_PER_CALL = "ns=0;i=11714";

async function browseAll(session, nodeIds) {
    const results = [];
    for (let i = 0; i < nodeIds.length; i += 500) {
        results.push(...await session.browse(nodeIds.slice(i, i + 500).map((nodeId) => ({
            nodeId, referenceTypeId: "HierarchicalReferences", includeSubtypes: true,
            browseDirection: BrowseDirection.Forward, resultMask: 63,
            nodeClassMask: NodeClass.Object | NodeClass.Variable,
        }))));
    }
    return results;
}

async function variablesUnder(session, root) {
    const [objects] = await browseAll(session, ["ns=0;i=85"]);
    const top = objects.references.find((r) => r.browseName.name === root);
    if (!top) throw new Error(`no ${root} under Objects`);
    const variables = [];
    let level = [top.nodeId.toString()];
    while (level.length) {
        const next = [];
        for (const result of await browseAll(session, level)) {
            for (const ref of result.references ?? []) {
                if (ref.referenceTypeId.toString() === HAS_PROPERTY) continue;
                if (ref.nodeClass === NodeClass.Variable) variables.push(ref.nodeId.toString());
                else next.push(ref.nodeId.toString());
            }
        }
        level = next;
    }
    return variables;
}

const client = OPCUAClient.create({ endpointMustExist: false, keepSessionAlive: true });
await client.connect(args.url);
const session = await client.createSession();
const variables = await variablesUnder(session, args.root);
const limit = (await session.read({ nodeId: MAX_MONITORED_ITEMS_PER_CALL,
                                    attributeId: AttributeIds.Value })).value.value;
const perCall = limit > 0 ? limit : variables.length;
const subscription = ClientSubscription.create(session, {
    requestedPublishingInterval: 20, requestedLifetimeCount: 6000,
    requestedMaxKeepAliveCount: 100, maxNotificationsPerPublish: 0,
    publishingEnabled: true, priority: 10,
});
await new Promise((resolve) => subscription.once("started", resolve));

const warmup = Number(args.warmup) * 1000;
const measured = Number(args.seconds) * 1000;
const begin = Date.now() + warmup;
let counted = 0;
const lags = [];
const parameters = {
    samplingInterval: 0, queueSize: 1000, discardOldest: true,
    filter: new DataChangeFilter({ trigger: DataChangeTrigger.StatusValueTimestamp }),
};
for (let i = 0; i < variables.length; i += perCall) {
    const group = await subscription.monitorItems(
        variables.slice(i, i + perCall).map((nodeId) => ({ nodeId,
                                                          attributeId: AttributeIds.Value })),
        parameters, TimestampsToReturn.Both);
    group.on("changed", (_item, dataValue) => {
        const now = Date.now();
        if (now < begin || now > begin + measured) return;
        counted += 1;
        if (dataValue.serverTimestamp) lags.push((now - dataValue.serverTimestamp.getTime()) / 1000);
    });
}
await new Promise((resolve) => setTimeout(resolve, Math.max(0, begin + measured - Date.now())));
await subscription.terminate();
await session.close();
await client.disconnect();
lags.sort((a, b) => a - b);
const at = (q) => (lags.length ? lags[Math.min(lags.length - 1, Math.floor(lags.length * q))] : null);
process.stdout.write(`${JSON.stringify({ variables: variables.length,
    updates_per_s: counted / (measured / 1000), lag_p50_s: at(0.5), lag_p95_s: at(0.95) })}\n`);
