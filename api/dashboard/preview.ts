// An email as its own document, for the dashboard's preview frames (template gallery, a lead's
// sent copy). Emails are styled inline (juice moves the layout CSS into style attributes), and
// a frame's srcdoc would inherit the dashboard's nonce-only CSP, which blocks style attributes:
// the email would show unstyled. So a preview is a separate response with its own policy:
// styles of any kind, images over https, no script, no forms, no plugins, a sandbox (a unique
// origin: nothing in it reaches the dashboard's cookies or DOM), and frameable only by the
// dashboard itself (frame-ancestors 'self' + X-Frame-Options SAMEORIGIN: the one exception to
// 'none', for a document with nothing to click on).
import type { FastifyReply } from 'fastify';

const PREVIEW_CSP = [
  'sandbox',
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  'img-src https: data:',
  'font-src https: data:',
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'self'",
].join('; ');

export function sendPreview(reply: FastifyReply, emailHtml: string) {
  return reply
    .headers({
      'content-security-policy': PREVIEW_CSP,
      'x-frame-options': 'SAMEORIGIN',
      'cache-control': 'no-store',
    })
    .type('text/html; charset=utf-8')
    .send(emailHtml);
}
