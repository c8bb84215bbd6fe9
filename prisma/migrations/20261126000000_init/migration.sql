-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "leads" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "first_name" TEXT,
    "last_name" TEXT,
    "company" TEXT,
    "timezone" TEXT,
    "source" TEXT,
    "properties" JSONB NOT NULL DEFAULT '{}',
    "consent" JSONB,
    "stage" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "leads_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "enrollments" (
    "id" UUID NOT NULL,
    "lead_id" UUID NOT NULL,
    "campaign_id" TEXT NOT NULL,
    "campaign_version" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "stage" TEXT,
    "score" INTEGER NOT NULL DEFAULT 0,
    "stalled" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL DEFAULT 'active',
    "enrolled_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "stage_entered_at" TIMESTAMP(3),
    "last_engagement_at" TIMESTAMP(3),
    "ended_at" TIMESTAMP(3),

    CONSTRAINT "enrollments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sent_messages" (
    "id" UUID NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "lead_id" UUID NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "step_key" TEXT NOT NULL,
    "campaign_id" TEXT NOT NULL,
    "template_id" TEXT NOT NULL,
    "stage" TEXT,
    "to_address" TEXT NOT NULL,
    "subject" TEXT,
    "message_id" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'claimed',
    "reason" TEXT,
    "smtp_response" TEXT,
    "claimed_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMP(3),

    CONSTRAINT "sent_messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stage_changes" (
    "id" UUID NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "lead_id" UUID NOT NULL,
    "campaign_id" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "from_stage" TEXT,
    "to_stage" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "actor" TEXT NOT NULL DEFAULT 'journey',
    "occurred_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stage_changes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "lead_flags" (
    "id" UUID NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "lead_id" UUID NOT NULL,
    "campaign_id" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "stage" TEXT,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "cleared_at" TIMESTAMP(3),

    CONSTRAINT "lead_flags_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "engagement_events" (
    "id" UUID NOT NULL,
    "event_id" TEXT NOT NULL,
    "lead_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "campaign_id" TEXT,
    "template_id" TEXT,
    "data" JSONB NOT NULL DEFAULT '{}',
    "occurred_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "received_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "engagement_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "suppressions" (
    "email" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "detail" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "suppressions_pkey" PRIMARY KEY ("email")
);

-- CreateTable
CREATE TABLE "discount_codes" (
    "id" UUID NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "lead_id" UUID NOT NULL,
    "campaign_id" TEXT NOT NULL,
    "percent" INTEGER NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "redeemed_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "discount_codes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sales_notifications" (
    "id" UUID NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "lead_id" UUID NOT NULL,
    "campaign_id" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMP(3),

    CONSTRAINT "sales_notifications_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "leads_email_key" ON "leads"("email");

-- CreateIndex
CREATE INDEX "leads_stage_idx" ON "leads"("stage");

-- CreateIndex
CREATE UNIQUE INDEX "enrollments_workflow_id_key" ON "enrollments"("workflow_id");

-- CreateIndex
CREATE INDEX "enrollments_campaign_id_stage_idx" ON "enrollments"("campaign_id", "stage");

-- CreateIndex
CREATE INDEX "enrollments_campaign_id_stalled_idx" ON "enrollments"("campaign_id", "stalled");

-- CreateIndex
CREATE UNIQUE INDEX "enrollments_lead_id_campaign_id_key" ON "enrollments"("lead_id", "campaign_id");

-- CreateIndex
CREATE UNIQUE INDEX "sent_messages_idempotency_key_key" ON "sent_messages"("idempotency_key");

-- CreateIndex
CREATE INDEX "sent_messages_lead_id_claimed_at_idx" ON "sent_messages"("lead_id", "claimed_at");

-- CreateIndex
CREATE INDEX "sent_messages_to_address_sent_at_idx" ON "sent_messages"("to_address", "sent_at");

-- CreateIndex
CREATE INDEX "sent_messages_campaign_id_template_id_idx" ON "sent_messages"("campaign_id", "template_id");

-- CreateIndex
CREATE UNIQUE INDEX "stage_changes_idempotency_key_key" ON "stage_changes"("idempotency_key");

-- CreateIndex
CREATE INDEX "stage_changes_campaign_id_to_stage_occurred_at_idx" ON "stage_changes"("campaign_id", "to_stage", "occurred_at");

-- CreateIndex
CREATE INDEX "stage_changes_lead_id_occurred_at_idx" ON "stage_changes"("lead_id", "occurred_at");

-- CreateIndex
CREATE UNIQUE INDEX "lead_flags_idempotency_key_key" ON "lead_flags"("idempotency_key");

-- CreateIndex
CREATE INDEX "lead_flags_campaign_id_kind_cleared_at_idx" ON "lead_flags"("campaign_id", "kind", "cleared_at");

-- CreateIndex
CREATE INDEX "lead_flags_lead_id_created_at_idx" ON "lead_flags"("lead_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "engagement_events_event_id_key" ON "engagement_events"("event_id");

-- CreateIndex
CREATE INDEX "engagement_events_lead_id_occurred_at_idx" ON "engagement_events"("lead_id", "occurred_at");

-- CreateIndex
CREATE INDEX "engagement_events_type_occurred_at_idx" ON "engagement_events"("type", "occurred_at");

-- CreateIndex
CREATE INDEX "engagement_events_template_id_type_idx" ON "engagement_events"("template_id", "type");

-- CreateIndex
CREATE UNIQUE INDEX "discount_codes_idempotency_key_key" ON "discount_codes"("idempotency_key");

-- CreateIndex
CREATE UNIQUE INDEX "discount_codes_code_key" ON "discount_codes"("code");

-- CreateIndex
CREATE UNIQUE INDEX "discount_codes_lead_id_campaign_id_key" ON "discount_codes"("lead_id", "campaign_id");

-- CreateIndex
CREATE UNIQUE INDEX "sales_notifications_idempotency_key_key" ON "sales_notifications"("idempotency_key");

-- AddForeignKey
ALTER TABLE "enrollments" ADD CONSTRAINT "enrollments_lead_id_fkey" FOREIGN KEY ("lead_id") REFERENCES "leads"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sent_messages" ADD CONSTRAINT "sent_messages_lead_id_fkey" FOREIGN KEY ("lead_id") REFERENCES "leads"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stage_changes" ADD CONSTRAINT "stage_changes_lead_id_fkey" FOREIGN KEY ("lead_id") REFERENCES "leads"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "lead_flags" ADD CONSTRAINT "lead_flags_lead_id_fkey" FOREIGN KEY ("lead_id") REFERENCES "leads"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "engagement_events" ADD CONSTRAINT "engagement_events_lead_id_fkey" FOREIGN KEY ("lead_id") REFERENCES "leads"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "discount_codes" ADD CONSTRAINT "discount_codes_lead_id_fkey" FOREIGN KEY ("lead_id") REFERENCES "leads"("id") ON DELETE CASCADE ON UPDATE CASCADE;

