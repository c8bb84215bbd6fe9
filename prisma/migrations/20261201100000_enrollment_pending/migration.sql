-- An enrollment row is written before its journey is started, so it begins pending and
-- becomes active once the journey is known to exist (core/enrollment.ts).
-- AlterTable
ALTER TABLE "enrollments" ALTER COLUMN "status" SET DEFAULT 'pending';

-- The statuses core/enrollment.ts names, and no other.
ALTER TABLE "enrollments" ADD CONSTRAINT "enrollments_status_known"
  CHECK ("status" IN ('pending', 'active', 'completed', 'exited', 'dormant'));

-- CreateIndex
CREATE INDEX "enrollments_status_enrolled_at_idx" ON "enrollments"("status", "enrolled_at");
