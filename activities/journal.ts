// Writes the journey's stage changes and flags to PostgreSQL, so the funnel can be measured
// without scanning Temporal. Idempotent: keyed by workflow id + step key.
import type { Db } from '../infra/db.ts';

export interface StageChangeRequest {
  workflowId: string;
  stepKey: string;
  leadId: string;
  campaignId: string;
  from: string | null;
  to: string;
  reason: string;
  actor?: string;
}

export function journalActivities(db: Db) {
  return {
    async recordStageChange(req: StageChangeRequest): Promise<void> {
      const idempotencyKey = `${req.workflowId}#${req.stepKey}`;
      await db.$transaction([
        db.stageChange.upsert({
          where: { idempotencyKey },
          create: {
            idempotencyKey,
            leadId: req.leadId,
            campaignId: req.campaignId,
            workflowId: req.workflowId,
            fromStage: req.from,
            toStage: req.to,
            reason: req.reason,
            actor: req.actor ?? 'journey',
          },
          update: {},
        }),
        db.enrollment.updateMany({
          where: { workflowId: req.workflowId },
          data: { stage: req.to, stageEnteredAt: new Date(), stalled: false },
        }),
        db.lead.update({ where: { id: req.leadId }, data: { stage: req.to } }),
      ]);
    },
  };
}
