// The few HTML pages a reader of our email may see (unsubscribe, preferences, confirmation). Self-contained:
// inline CSS, no scripts, no external assets; every value is escaped.
import type { FastifyInstance, FastifyReply } from 'fastify';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Answers one of these pages. */
export function sendPage(reply: FastifyReply, status: number, body: string) {
  return reply.code(status).headers(PAGE_HEADERS).send(body);
}

/**
 * The page routes take any body (one-click senders use form encoding or multipart, the pages'
 * own forms post an empty form) as text: only the method matters, never the content.
 */
export function acceptAnyBody(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
}

/** Headers for these pages: never cached, never indexed, the token URL never sent on as referrer. */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex, nofollow',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
};

const STYLE = `body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f6f7f9;color:#1d2330;margin:0}
main{max-width:32rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 3px #0002}
h1{font-size:1.4rem;margin-top:0}button{font:inherit;background:#1d2330;color:#fff;border:0;border-radius:6px;padding:.7rem 1.2rem;cursor:pointer}
a{color:#2456c7}.muted{color:#5b6475;font-size:.9rem}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

/** GET /u/<token>: asks to confirm; the form posts back to the same URL (no action attribute). */
export function confirmUnsubscribePage(opts: { email: string; sender: string }): string {
  return page(
    'Unsubscribe',
    `<h1>Unsubscribe ${escapeHtml(opts.email)}?</h1>
<p>You will no longer receive marketing email from ${escapeHtml(opts.sender)}.</p>
<form method="post"><input type="hidden" name="confirm" value="page"><button type="submit">Unsubscribe</button></form>
<p class="muted"><a href="?preferences=1">Manage your email preferences</a></p>`,
  );
}

/** GET /u/<token>?preferences=1: the one preference there is (all marketing email). */
export function preferencesPage(opts: { email: string; sender: string; subscribed: boolean }): string {
  const state = opts.subscribed
    ? `<p>${escapeHtml(opts.email)} receives marketing email from ${escapeHtml(opts.sender)}.</p>
<form method="post"><input type="hidden" name="confirm" value="preferences"><button type="submit">Unsubscribe from all marketing email</button></form>`
    : `<p>${escapeHtml(opts.email)} is unsubscribed from all marketing email from ${escapeHtml(opts.sender)}.</p>
<p class="muted">To subscribe again, sign up again: we will email you a link to confirm.</p>`;
  return page('Email preferences', `<h1>Email preferences</h1>\n${state}`);
}

export function unsubscribedPage(opts: { email: string; sender: string }): string {
  return page(
    'Unsubscribed',
    `<h1>You are unsubscribed</h1>
<p>${escapeHtml(opts.email)} will receive no more marketing email from ${escapeHtml(opts.sender)}.</p>
<p class="muted">Changed your mind? Sign up again: we will email you a link to confirm.</p>`,
  );
}

export function invalidLinkPage(): string {
  return page(
    'Link not valid',
    `<h1>This link is not valid</h1>\n<p>It may have been copied incompletely. Use the link in your latest email.</p>`,
  );
}

export function errorPage(): string {
  return page('Try again', `<h1>Something went wrong</h1>\n<p>Nothing was changed. Please try again in a moment.</p>`);
}

/** GET /confirm/<token>: asks the person to confirm; the form posts back to the same URL. */
export function confirmSubscriptionPage(opts: { email: string; sender: string }): string {
  return page(
    'Confirm your subscription',
    `<h1>Subscribe ${escapeHtml(opts.email)}?</h1>
<p>You asked to receive email from ${escapeHtml(opts.sender)} again. Press the button to confirm.</p>
<form method="post"><button type="submit">Subscribe</button></form>
<p class="muted">Not you? Close this page: nothing changes.</p>`,
  );
}

export function subscribedPage(opts: { email: string; sender: string }): string {
  return page(
    'Subscribed',
    `<h1>You are subscribed</h1>
<p>${escapeHtml(opts.email)} will receive email from ${escapeHtml(opts.sender)} again. Every email has a link to unsubscribe.</p>`,
  );
}

export function expiredLinkPage(): string {
  return page('Link expired', `<h1>This link has expired</h1>\n<p>Sign up again and we will send you a new one.</p>`);
}
