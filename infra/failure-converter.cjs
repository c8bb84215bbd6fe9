// The failure converter of every Temporal client, worker and workflow bundle of this project
// (infra/payload-codec.ts names it by path, as Temporal requires). Failure messages and stack
// traces go into `encodedAttributes`, a payload, so the codec encrypts them too: an SMTP answer
// such as "550 <ada@example.com>: no such user" would otherwise sit in the history in clear.
// CommonJS, because Temporal require()s it in every runtime (tsx's ESM hook, vitest, webpack).
'use strict';
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
