// Workflow histories to and from Temporal's JSON history format (what `temporal workflow show
// --output json` and the Web UI export write), for the golden histories in test/histories/.
//
// Why not `historyToJSON`/`historyFromJSON` from @temporalio/common/lib/proto-utils: in this
// dependency tree npm installs protobufjs 8 three times (under @temporalio/common, /proto and
// /worker; the hoisted copy is 7.x for @grpc/proto-loader), and those functions pass a Type
// made by @temporalio/proto's copy to the protojson of @temporalio/common's copy, which
// rejects it ("type must be a Type"). The same two calls, made with @temporalio/proto's own
// protobufjs, work. Drop this file for the SDK functions once one protobufjs 8 is shared.
import { createRequire } from 'node:module';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root.js';

export type { History };

interface ProtoType {
  fromObject(o: unknown): unknown;
}
interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }): History | null;
}

const fromProto = createRequire(createRequire(import.meta.url).resolve('@temporalio/proto'));
const proto = fromProto('@temporalio/proto') as { temporal: { api: { history: { v1: { History: ProtoType } } } } };
const protojson = fromProto('protobufjs/ext/protojson') as ProtoJson;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType(
  'temporal.api.history.v1.History',
);

/** One event per line: compact (histories are committed), yet a diff shows whole events. */
export function historyToJSON(history: History): string {
  const json = protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)) as { events?: unknown[] };
  return `{"events":[\n${(json.events ?? []).map((e) => JSON.stringify(e)).join(',\n')}\n]}\n`;
}

export function historyFromJSON(json: unknown): History {
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { events?: unknown }).events)) {
    throw new TypeError('not a workflow history: expected an object with an array of events');
  }
  const history = protojson.fromJson(historyType, json, { ignoreUnknownFields: true });
  if (history === null) throw new TypeError('not a workflow history');
  return history;
}
