-- AlterTable
ALTER TABLE "engagement_events" ADD COLUMN     "pending_since" TIMESTAMP(3);

