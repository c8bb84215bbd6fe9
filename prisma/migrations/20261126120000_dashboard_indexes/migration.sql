-- Dashboard indexes (issue 6). Additive only: see bench/dashboard-plans.ts for the plans.

-- The funnel's cohort: one campaign's enrollments in a period.
CREATE INDEX "enrollments_campaign_id_enrolled_at_idx" ON "enrollments"("campaign_id", "enrolled_at");

-- The funnel walks each lead's stage changes in time order: an index-only scan in that order
-- (merge-joined with the cohort) spares it a sort of the campaign's whole history.
CREATE INDEX "stage_changes_campaign_id_lead_id_occurred_at_to_stage_idx" ON "stage_changes"("campaign_id", "lead_id", "occurred_at", "to_stage");

-- A lead's sales notifications on its dashboard timeline.
CREATE INDEX "sales_notifications_lead_id_created_at_idx" ON "sales_notifications"("lead_id", "created_at");
