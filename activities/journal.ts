// Writes what a journey does to PostgreSQL (stage changes, flags, score, the end), so that
// the funnel can be measured without scanning Temporal. Idempotent: keyed by workflow id +
// step key, or plain overwrites of the enrollment row.
import type { Db } from '../infra/db.ts';

interface JourneyRef {
  workflowId: string;
  leadId: string;
  campaignId: string;
}

export interface StageChangeRequest extends JourneyRef {
  stepKey: string;
  from: string | null;
  to: string;
  reason: string;
  actor?: string;
  at?: string; // ISO; workflow time of the change
}

export interface FlagRequest extends JourneyRef {
  stepKey: string;
  kind: string;
  stage: string | null;
  reason: string;
  at?: string;
}

export interface EnrollmentSync {
  workflowId: string;
  score: number;
  stalled: boolean;
  lastEngagementAt: string | null;
}

export function journalActivities(db: Db) {
  return {
    async recordStageChange(req: StageChangeRequest): Promise<void> {
      const idempotencyKey = `${req.workflowId}#${req.stepKey}`;
      const at = req.at ? new Date(req.at) : new Date();
      await db.$transaction(async (tx) => {
        const existing = await tx.stageChange.findUnique({ where: { idempotencyKey }, select: { id: true } });
        if (existing) return;
        await tx.stageChange.create({
          data: {
            idempotencyKey,
            leadId: req.leadId,
            campaignId: req.campaignId,
            workflowId: req.workflowId,
            fromStage: req.from,
            toStage: req.to,
            reason: req.reason,
            actor: req.actor ?? 'journey',
            occurredAt: at,
          },
        });
        // Entering a stage clears the stall: the lead is moving again.
        await tx.enrollment.updateMany({ where: { workflowId: req.workflowId }, data: { stage: req.to, stageEnteredAt: at, stalled: false } });
        await tx.leadFlag.updateMany({ where: { workflowId: req.workflowId, kind: 'stalled', clearedAt: null }, data: { clearedAt: at } });
        await tx.lead.update({ where: { id: req.leadId }, data: { stage: req.to } });
      });
    },

    async recordFlag(req: FlagRequest): Promise<void> {
      const idempotencyKey = `${req.workflowId}#${req.stepKey}#${req.kind}`;
      const at = req.at ? new Date(req.at) : new Date();
      await db.$transaction(async (tx) => {
        const existing = await tx.leadFlag.findUnique({ where: { idempotencyKey }, select: { id: true } });
        if (existing) return;
        await tx.leadFlag.create({
          data: { idempotencyKey, leadId: req.leadId, campaignId: req.campaignId, workflowId: req.workflowId, kind: req.kind, stage: req.stage, reason: req.reason, createdAt: at },
        });
        if (req.kind === 'stalled') await tx.enrollment.updateMany({ where: { workflowId: req.workflowId }, data: { stalled: true } });
        if (req.kind === 'dormant') await tx.enrollment.updateMany({ where: { workflowId: req.workflowId }, data: { status: 'dormant', endedAt: at } });
      });
    },

    /** Score, stall and last engagement as the journey sees them, for lists and the funnel. */
    async syncEnrollment(req: EnrollmentSync): Promise<void> {
      await db.enrollment.updateMany({
        where: { workflowId: req.workflowId },
        data: { score: req.score, stalled: req.stalled, lastEngagementAt: req.lastEngagementAt ? new Date(req.lastEngagementAt) : null },
      });
      if (!req.stalled) await db.leadFlag.updateMany({ where: { workflowId: req.workflowId, kind: 'stalled', clearedAt: null }, data: { clearedAt: new Date() } });
    },

    async recordJourneyEnd(req: { workflowId: string; status: 'completed' | 'exited' | 'dormant'; reason: string; at?: string }): Promise<void> {
      await db.enrollment.updateMany({ where: { workflowId: req.workflowId }, data: { status: req.status, endedAt: req.at ? new Date(req.at) : new Date() } });
    },
  };
}
