// A node-opcua client against `testbed live --security`: an OPC UA stack we did not write,
// used the way an integrator's own tool would use the testbed's endpoint.
//
//   node client.mjs --url opc.tcp://127.0.0.1:4840/testbed/ --user NAME --password SECRET \
//       --pki DIR [--server-cert DIR/pki/server-cert.der] [--duration SECONDS]
//
// It connects with Basic256Sha256 + SignAndEncrypt as a user, browses
// Objects/Factory/Machines, reads each machine's PartCount and the EngineeringUnits of a
// ProcessValue, subscribes to every machine's ProcessValue for the duration, and tries an
// anonymous session and a wrong password. It prints one JSON object on stdout; it exits 1 when
// something it needed failed (the JSON then has "error").

import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

import {
    AttributeIds,
    BrowseDirection,
    ClientMonitoredItem,
    ClientSubscription,
    DataType,
    MessageSecurityMode,
    NodeClass,
    OPCUACertificateManager,
    OPCUAClient,
    ObjectIds,
    SecurityPolicy,
    constructEventFilter,
    TimestampsToReturn,
    UserTokenType,
    makeBrowsePath,
    setDebugLogger,
    setErrorLogger,
    setWarningLogger,
} from "node-opcua";

// stdout carries the one JSON report: node-opcua's own messages go to stderr.
const toStderr = (...parts) => process.stderr.write(
    `${parts.filter((p) => typeof p !== "object").join(" ")}\n`);
for (const set of [setDebugLogger, setErrorLogger, setWarningLogger]) set(toStderr);
console.log = console.info = console.warn = toStderr;

const NAMESPACE = "urn:interop-testbed:factory";
const TAGS = ["PartCount", "State", "BreakdownCount", "ProcessValue"];

const { values: args } = parseArgs({
    options: {
        url: { type: "string" },
        user: { type: "string" },
        password: { type: "string" },
        pki: { type: "string" },
        "server-cert": { type: "string" },
        duration: { type: "string", default: "5" },
        breakdown: { type: "string" },
    },
});
for (const required of ["url", "user", "password", "pki"]) {
    if (!args[required]) {
        process.stderr.write(`client.mjs: --${required} is required\n`);
        process.exit(2);
    }
}
const durationMs = Number(args.duration) * 1000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function makeClient() {
    // The client's own PKI: it makes its certificate there on first use, and accepts the
    // server's self-signed certificate without a trust list (the testbed's is made per run).
    const certificateManager = new OPCUACertificateManager({
        rootFolder: path.join(args.pki, "client"),
        automaticallyAcceptUnknownCertificate: true,
    });
    await certificateManager.initialize();
    return OPCUAClient.create({
        applicationName: "interop-testbed node-opcua check",
        applicationUri: "urn:interop-testbed:interop:node-opcua",
        securityMode: MessageSecurityMode.SignAndEncrypt,
        securityPolicy: SecurityPolicy.Basic256Sha256,
        endpointMustExist: false,
        clientCertificateManager: certificateManager,
        connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
        requestedSessionTimeout: 60_000,
    });
}

const describe = (err) => String(err && err.message ? err.message : err).split("\n")[0];

// A session the server must refuse: report whether it was, and what it said.
async function refused(client, identity) {
    try {
        const session = await client.createSession(identity);
        await session.close();
        return { refused: false, error: null };
    } catch (err) {
        return { refused: true, error: describe(err) };
    }
}

async function browseChildren(session, nodeId, nodeClassMask = 0) {
    const result = await session.browse({
        nodeId,
        browseDirection: BrowseDirection.Forward,
        referenceTypeId: "HierarchicalReferences",
        includeSubtypes: true,
        nodeClassMask,
        resultMask: 0x3f,
    });
    return result.references ?? [];
}

function dataValueJson(dataValue) {
    return {
        value: dataValue.value?.value ?? null,
        dataType: dataValue.value ? DataType[dataValue.value.dataType] : null,
        status: dataValue.statusCode.name,
        sourceTimestamp: dataValue.sourceTimestamp ? dataValue.sourceTimestamp.toISOString()
            : null,
    };
}

async function main() {
    const report = { url: args.url };
    const client = await makeClient();
    await client.connect(args.url);
    try {
        // The endpoint the server offers, and the certificate it presents in it.
        const endpoints = await client.getEndpoints();
        report.endpoints = endpoints.map((e) => ({
            securityPolicy: e.securityPolicyUri.split("#")[1],
            securityMode: MessageSecurityMode[e.securityMode],
            userTokens: (e.userIdentityTokens ?? []).map((t) => UserTokenType[t.tokenType]),
        }));
        if (args["server-cert"]) {
            const onDisk = readFileSync(args["server-cert"]);
            report.serverCertificateMatches = endpoints.every(
                (e) => e.serverCertificate && Buffer.compare(e.serverCertificate, onDisk) === 0);
        }

        report.anonymous = await refused(client, { type: UserTokenType.Anonymous });
        report.wrongPassword = await refused(client, {
            type: UserTokenType.UserName, userName: args.user, password: `${args.password}-not`,
        });

        const session = await client.createSession({
            type: UserTokenType.UserName, userName: args.user, password: args.password,
        });
        try {
            await useSession(session, report);
        } finally {
            await session.close();
        }
    } finally {
        await client.disconnect();
    }
    return report;
}

async function useSession(session, report) {
    const namespaces = await session.readNamespaceArray();
    const ns = namespaces.indexOf(NAMESPACE);
    report.namespaceIndex = ns;
    if (ns < 0) {
        throw new Error(`namespace ${NAMESPACE} is not in the server's namespace array`);
    }

    // Browse: Objects -> Factory -> Machines -> one object per machine.
    const objects = await browseChildren(session, `i=${ObjectIds.ObjectsFolder}`);
    const factory = objects.find((r) => r.browseName.name === "Factory");
    if (!factory) throw new Error("no Factory under Objects");
    const underFactory = await browseChildren(session, factory.nodeId);
    const machinesFolder = underFactory.find((r) => r.browseName.name === "Machines");
    if (!machinesFolder) throw new Error("no Machines under Objects/Factory");
    const machines = (await browseChildren(session, machinesFolder.nodeId, NodeClass.Object))
        .filter((r) => r.nodeClass === NodeClass.Object);
    report.machines = machines.map((r) => r.browseName.name);
    report.machineNodeIds = machines.map((r) => r.nodeId.toString());

    const tag = (machine, name) => `ns=${ns};s=Machines.${machine}.${name}`;

    // Subscribe to every tag of every machine, and to breakdown events from each machine.
    const subscription = ClientSubscription.create(session, {
        requestedPublishingInterval: 100,
        requestedLifetimeCount: 600,
        requestedMaxKeepAliveCount: 10,
        maxNotificationsPerPublish: 0,
        publishingEnabled: true,
        priority: 1,
    });
    await new Promise((resolve, reject) => {
        subscription.once("started", resolve);
        subscription.once("internal_error", reject);
    });
    const counts = Object.fromEntries(TAGS.map((t) => [t, { all: 0, good: 0 }]));
    const perMachine = Object.fromEntries(report.machines.map((m) => [m, 0]));
    for (const m of report.machines) {
        for (const name of TAGS) {
            const item = ClientMonitoredItem.create(
                subscription,
                { nodeId: tag(m, name), attributeId: AttributeIds.Value },
                { samplingInterval: 100, discardOldest: true, queueSize: 100 },
                TimestampsToReturn.Both,
            );
            item.on("changed", (dataValue) => {
                counts[name].all += 1;
                if (dataValue.statusCode.isGood()) counts[name].good += 1;
                if (name === "ProcessValue") perMachine[m] += 1;
            });
        }
    }
    const events = [];
    const fields = ["EventType", "SourceName", "Time", "Message", "Severity",
        `${ns}:Machine`, `${ns}:BreakdownCount`];
    report.eventItems = {};
    for (const m of report.machines) {
        let item;
        try {
            item = await subscription.monitor(
                { nodeId: `ns=${ns};s=Machines.${m}`, attributeId: AttributeIds.EventNotifier },
                { queueSize: 100, filter: constructEventFilter(fields) },
                TimestampsToReturn.Both,
            );
        } catch (err) {
            report.eventItems[m] = describe(err);
            continue;
        }
        report.eventItems[m] = item.statusCode.name;
        item.on("changed", (eventFields) => {
            const event = Object.fromEntries(fields.map((f, i) => [f.replace(/^\d+:/, ""),
                eventFields[i].value]));
            events.push({
                machine: event.Machine,
                sourceName: event.SourceName,
                breakdownCount: event.BreakdownCount,
                severity: event.Severity,
                message: event.Message?.text ?? null,
                time: event.Time ? event.Time.toISOString() : null,
            });
        });
    }

    // Break a machine down through the server's method, as a test operator would.
    report.breakdown = null;
    if (args.breakdown) {
        const factory = `ns=${ns};s=Factory`;
        await sleep(durationMs / 2);
        const started = await session.call({
            objectId: factory,
            methodId: `ns=${ns};s=Factory.StartBreakdown`,
            inputArguments: [{ dataType: DataType.String, value: args.breakdown }],
        });
        await sleep(durationMs / 2);
        const ended = await session.call({
            objectId: factory,
            methodId: `ns=${ns};s=Factory.EndBreakdown`,
            inputArguments: [{ dataType: DataType.String, value: args.breakdown }],
        });
        const unknown = await session.call({
            objectId: factory,
            methodId: `ns=${ns};s=Factory.StartBreakdown`,
            inputArguments: [{ dataType: DataType.String, value: "no-such-machine" }],
        });
        report.breakdown = {
            machine: args.breakdown,
            start: { status: started.statusCode.name,
                result: started.outputArguments?.[0]?.value ?? null },
            end: { status: ended.statusCode.name,
                result: ended.outputArguments?.[0]?.value ?? null },
            unknownMachine: unknown.statusCode.name,
        };
    } else {
        await sleep(durationMs);
    }
    await subscription.terminate();
    report.subscription = {
        seconds: durationMs / 1000,
        revisedPublishingInterval: subscription.publishingInterval,
        notifications: counts,
        processValueNotifications: perMachine,
    };
    report.events = events;

    // Then read every tag of every machine, and the simulated time, addressed by node id.
    const reads = report.machines.flatMap((m) => TAGS.map((name) => ({
        nodeId: tag(m, name), attributeId: AttributeIds.Value,
    })));
    reads.push({ nodeId: `ns=${ns};s=Factory.SimulatedTime`, attributeId: AttributeIds.Value });
    const values = await session.read(reads, 0);
    report.tags = {};
    report.machines.forEach((m, i) => {
        report.tags[m] = Object.fromEntries(
            TAGS.map((name, j) => [name, dataValueJson(values[TAGS.length * i + j])]));
    });
    report.simulatedTime = dataValueJson(values.at(-1));
    report.simulatedTime.value = report.simulatedTime.value?.toISOString() ?? null;

    // The unit of a ProcessValue, as a generic client finds it: its EngineeringUnits property.
    const first = report.machines[0];
    const properties = await session.browse({
        nodeId: tag(first, "ProcessValue"),
        browseDirection: BrowseDirection.Forward,
        referenceTypeId: "HasProperty",
        includeSubtypes: true,
        resultMask: 0x3f,
    });
    const eu = (properties.references ?? []).find((r) => r.browseName.name === "EngineeringUnits");
    report.engineeringUnits = null;
    if (eu) {
        const euValue = await session.read({ nodeId: eu.nodeId, attributeId: AttributeIds.Value });
        const info = euValue.value.value;
        report.engineeringUnits = {
            browseName: eu.browseName.toString(),
            status: euValue.statusCode.name,
            displayName: info?.displayName?.text ?? null,
            unitId: info?.unitId ?? null,
            namespaceUri: info?.namespaceUri ?? null,
        };
    }
    // OPC UA Part 8 names the property 0:EngineeringUnits; a client may ask for exactly that.
    const standard = await session.translateBrowsePath(
        makeBrowsePath(tag(first, "ProcessValue"), ".EngineeringUnits"));
    report.standardEngineeringUnitsPath = standard.statusCode.name;
}

main().then(
    (report) => {
        process.stdout.write(`${JSON.stringify(report)}\n`);
        process.exit(0);
    },
    (err) => {
        process.stdout.write(`${JSON.stringify({ error: describe(err) })}\n`);
        process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
        process.exit(1);
    },
);
