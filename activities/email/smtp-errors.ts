// What an SMTP failure means for the lead and for the step. Only a refusal of this recipient
// or this message is the lead's hard bounce; trouble on our side of the conversation (a
// refused login or sender, a blocked IP at the greeting) must never suppress a lead.

export type SmtpFailure =
  /** 5xx for the recipient (RCPT TO) or the message (DATA): the address is bounced. */
  | { kind: 'bounce'; code: number; reason: string }
  /** Nothing was delivered: a 4xx, a refused connection, our own login or sender refused. */
  | { kind: 'deferred'; reason: string }
  /** The connection broke mid-conversation: the server may have accepted the message. */
  | { kind: 'unknown'; reason: string };

interface NodemailerError {
  message?: string;
  code?: string;
  originalCode?: string;
  command?: string;
  responseCode?: number;
}

// Failures that happen before any message data can have reached the server.
const NOTHING_SENT_CODES = new Set(['EDNS', 'ETLS', 'EREQUIRETLS', 'EAUTH', 'ENOAUTH', 'EOAUTH2', 'ECONFIG', 'EPROXY']);
const NOTHING_SENT_SYSCALLS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const RECIPIENT_STAGES = new Set(['RCPT TO', 'DATA']);

export function classifySmtpError(err: unknown): SmtpFailure {
  const e = (err ?? {}) as NodemailerError;
  const reason = e.responseCode
    ? `smtp ${e.responseCode}: ${e.message ?? ''}`
    : `${e.code ?? 'error'}: ${e.message ?? String(err)}`;
  if (e.responseCode && e.responseCode >= 500) {
    return e.command && RECIPIENT_STAGES.has(e.command)
      ? { kind: 'bounce', code: e.responseCode, reason }
      : { kind: 'deferred', reason };
  }
  // An explicit answer that is not 2xx means the server did not take the message.
  if (e.responseCode) return { kind: 'deferred', reason };
  if ((e.code && NOTHING_SENT_CODES.has(e.code)) || (e.originalCode && NOTHING_SENT_SYSCALLS.has(e.originalCode))) {
    return { kind: 'deferred', reason };
  }
  return { kind: 'unknown', reason };
}
