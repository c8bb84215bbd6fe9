// The signed webhooks: signup and engagement events, sharing one body parser that verifies
// the Nurture-Signature over the raw bytes.
import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../deps.ts';
import { useSignedJsonBody } from './body.ts';
import { eventRoutes } from './events.ts';
import { signupRoutes } from './signup.ts';

export function webhookRoutes(deps: RouteDeps) {
  return async (app: FastifyInstance) => {
    useSignedJsonBody(app, { secrets: deps.config.WEBHOOK_SECRET, disabled: deps.config.WEBHOOK_SIGNATURE_DISABLED });
    await app.register(signupRoutes(deps));
    await app.register(eventRoutes(deps));
  };
}
