-- A claim's lease is renewed by the attempt that holds it while SMTP talks, so a claim left by
-- a dead attempt can be taken over within one short lease instead of a fixed ten minutes.
-- Rows claimed before this column existed carry NULL and are judged by claimed_at plus a lease.
ALTER TABLE "sent_messages" ADD COLUMN     "lease_expires_at" TIMESTAMP(3);
