-- Consent as history, double opt-in confirmations, and addresses compared case-insensitively.

-- CreateTable
CREATE TABLE "consent_events" (
    "id" UUID NOT NULL,
    "lead_id" UUID NOT NULL,
    "given" BOOLEAN NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "method" TEXT,
    "text" TEXT,
    "source" TEXT NOT NULL,
    "recorded_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "consent_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "subscription_confirmations" (
    "id" UUID NOT NULL,
    "lead_id" UUID NOT NULL,
    "campaign_id" TEXT NOT NULL,
    "consent" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "confirmed_at" TIMESTAMP(3),

    CONSTRAINT "subscription_confirmations_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "consent_events_lead_id_recorded_at_idx" ON "consent_events"("lead_id", "recorded_at");

-- CreateIndex
CREATE INDEX "subscription_confirmations_lead_id_created_at_idx" ON "subscription_confirmations"("lead_id", "created_at");

-- AddForeignKey
ALTER TABLE "consent_events" ADD CONSTRAINT "consent_events_lead_id_fkey" FOREIGN KEY ("lead_id") REFERENCES "leads"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "subscription_confirmations" ADD CONSTRAINT "subscription_confirmations_lead_id_fkey" FOREIGN KEY ("lead_id") REFERENCES "leads"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- The latest consent each lead already had becomes the first entry of its history.
INSERT INTO "consent_events" ("id", "lead_id", "given", "at", "method", "text", "source", "recorded_at")
SELECT gen_random_uuid(), l."id", (l."consent"->>'given')::boolean,
       COALESCE(CASE WHEN l."consent"->>'at' ~ '^\d{4}-\d\d-\d\dT' THEN (l."consent"->>'at')::timestamptz END, l."updated_at"),
       l."consent"->>'method', l."consent"->>'text', 'migration', CURRENT_TIMESTAMP
FROM "leads" l
WHERE jsonb_typeof(l."consent"->'given') = 'boolean';

-- Addresses are one person whatever their case (core/rules/email.ts). Case variants already
-- stored are merged: no suppression is lost, and each group of leads becomes its oldest lead.

-- Suppressions: the lower-cased address keeps the earliest suppression of any of its spellings.
INSERT INTO "suppressions" ("email", "reason", "detail", "created_at")
SELECT DISTINCT ON (lower("email")) lower("email"), "reason", "detail", "created_at"
FROM "suppressions" WHERE "email" <> lower("email")
ORDER BY lower("email"), "created_at"
ON CONFLICT ("email") DO NOTHING;
DELETE FROM "suppressions" WHERE "email" <> lower("email");

-- Leads: every later spelling merges into the oldest lead of its address.
CREATE TEMPORARY TABLE "lead_merges" AS
SELECT l."id" AS "loser", (
  SELECT k."id" FROM "leads" k WHERE lower(k."email") = lower(l."email") ORDER BY k."created_at", k."id" LIMIT 1
) AS "survivor"
FROM "leads" l;
DELETE FROM "lead_merges" WHERE "loser" = "survivor";

-- Fields the survivor lacks come from the others (newest first), properties merge (newer win).
UPDATE "leads" s SET
  "first_name" = COALESCE(s."first_name", m."first_name"),
  "last_name"  = COALESCE(s."last_name", m."last_name"),
  "company"    = COALESCE(s."company", m."company"),
  "timezone"   = COALESCE(s."timezone", m."timezone"),
  "source"     = COALESCE(s."source", m."source"),
  "properties" = s."properties" || m."properties",
  "consent"    = COALESCE(m."consent", s."consent")
FROM (
  SELECT lm."survivor",
         (array_agg(l."first_name" ORDER BY l."created_at" DESC) FILTER (WHERE l."first_name" IS NOT NULL))[1] AS "first_name",
         (array_agg(l."last_name" ORDER BY l."created_at" DESC) FILTER (WHERE l."last_name" IS NOT NULL))[1] AS "last_name",
         (array_agg(l."company" ORDER BY l."created_at" DESC) FILTER (WHERE l."company" IS NOT NULL))[1] AS "company",
         (array_agg(l."timezone" ORDER BY l."created_at" DESC) FILTER (WHERE l."timezone" IS NOT NULL))[1] AS "timezone",
         (array_agg(l."source" ORDER BY l."created_at" DESC) FILTER (WHERE l."source" IS NOT NULL))[1] AS "source",
         (array_agg(l."consent" ORDER BY l."updated_at" DESC) FILTER (WHERE l."consent" IS NOT NULL))[1] AS "consent",
         COALESCE(jsonb_object_agg(p."key", p."value" ORDER BY l."created_at") FILTER (WHERE p."key" IS NOT NULL), '{}'::jsonb) AS "properties"
  FROM "lead_merges" lm
  JOIN "leads" l ON l."id" = lm."loser"
  LEFT JOIN LATERAL jsonb_each(l."properties") p ON true
  GROUP BY lm."survivor"
) m
WHERE s."id" = m."survivor";

-- History moves to the survivor. A journey of a merged-away lead cannot continue under another
-- lead's id: its enrollment moves as ended (exited), unless the survivor has one in that
-- campaign already (then it goes with the merged-away lead).
UPDATE "enrollments" e SET "lead_id" = lm."survivor",
  "status" = CASE WHEN e."status" = 'active' THEN 'exited' ELSE e."status" END,
  "ended_at" = COALESCE(e."ended_at", CURRENT_TIMESTAMP)
FROM "lead_merges" lm
WHERE e."lead_id" = lm."loser"
  AND NOT EXISTS (SELECT 1 FROM "enrollments" o WHERE o."lead_id" = lm."survivor" AND o."campaign_id" = e."campaign_id");
UPDATE "discount_codes" d SET "lead_id" = lm."survivor"
FROM "lead_merges" lm
WHERE d."lead_id" = lm."loser"
  AND NOT EXISTS (SELECT 1 FROM "discount_codes" o WHERE o."lead_id" = lm."survivor" AND o."campaign_id" = d."campaign_id");
UPDATE "sent_messages" t SET "lead_id" = lm."survivor" FROM "lead_merges" lm WHERE t."lead_id" = lm."loser";
UPDATE "stage_changes" t SET "lead_id" = lm."survivor" FROM "lead_merges" lm WHERE t."lead_id" = lm."loser";
UPDATE "lead_flags" t SET "lead_id" = lm."survivor" FROM "lead_merges" lm WHERE t."lead_id" = lm."loser";
UPDATE "engagement_events" t SET "lead_id" = lm."survivor" FROM "lead_merges" lm WHERE t."lead_id" = lm."loser";
UPDATE "sales_notifications" t SET "lead_id" = lm."survivor" FROM "lead_merges" lm WHERE t."lead_id" = lm."loser";
UPDATE "consent_events" t SET "lead_id" = lm."survivor" FROM "lead_merges" lm WHERE t."lead_id" = lm."loser";
DELETE FROM "leads" l USING "lead_merges" lm WHERE l."id" = lm."loser";

UPDATE "leads" SET "email" = lower("email") WHERE "email" <> lower("email");
-- The frequency cap counts mail per address.
UPDATE "sent_messages" SET "to_address" = lower("to_address") WHERE "to_address" <> lower("to_address");

-- From now on only the one spelling is stored.
ALTER TABLE "leads" ADD CONSTRAINT "leads_email_lower_case" CHECK ("email" = lower("email"));
ALTER TABLE "suppressions" ADD CONSTRAINT "suppressions_email_lower_case" CHECK ("email" = lower("email"));
DROP TABLE "lead_merges";
