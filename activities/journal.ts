// Writes what a journey does to PostgreSQL (stage changes, flags, score, the end), so that
// the funnel can be measured without scanning Temporal. Idempotent: keyed by workflow id +
// step key, or plain overwrites of the enrollment row. About a lead that no longer exists
// there is nothing to record: such writes are dropped rather than retried forever.
import type { Db } from '../infra/db.ts';
import { unlessLeadGone } from './lead-gone.ts';
import { effectKey } from '../core/journey/effect-key.ts';
import type { JourneyEndKind } from '../core/journey/state.ts';

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
    // Each write is idempotent on its own (the row by its key, the rest set to values fixed by
    // the request's workflow time), so one batched transaction does: no interactive
    // round trips that would hold a pooled connection while the worker is busy.
    async recordStageChange(req: StageChangeRequest): Promise<void> {
      const idempotencyKey = effectKey(req);
      const at = req.at ? new Date(req.at) : new Date();
      const write = async () => {
        await db.$transaction([
          db.stageChange.createMany({
            data: [
              {
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
            ],
            skipDuplicates: true,
          }),
          // The journey runs, so its enrollment has started: a row still pending (the API died
          // before it heard Temporal accept the signup) becomes active. Every journey's first
          // effect is entering its first stage.
          db.enrollment.updateMany({ where: { workflowId: req.workflowId, status: 'pending' }, data: { status: 'active' } }),
          // Entering a stage clears the stall: the lead is moving again.
          db.enrollment.updateMany({
            where: { workflowId: req.workflowId },
            data: { stage: req.to, stageEnteredAt: at, stalled: false },
          }),
          db.leadFlag.updateMany({
            where: { workflowId: req.workflowId, kind: 'stalled', clearedAt: null },
            data: { clearedAt: at },
          }),
          db.lead.update({ where: { id: req.leadId }, data: { stage: req.to } }),
        ]);
      };
      await unlessLeadGone(db, req.leadId, write, () => undefined);
    },

    async recordFlag(req: FlagRequest): Promise<void> {
      const idempotencyKey = effectKey(req, req.kind);
      const at = req.at ? new Date(req.at) : new Date();
      const flag = db.leadFlag.createMany({
        data: [
          {
            idempotencyKey,
            leadId: req.leadId,
            campaignId: req.campaignId,
            workflowId: req.workflowId,
            kind: req.kind,
            stage: req.stage,
            reason: req.reason,
            createdAt: at,
          },
        ],
        skipDuplicates: true,
      });
      const enrollment =
        req.kind === 'stalled' ? { stalled: true } : req.kind === 'dormant' ? { status: 'dormant', endedAt: at } : undefined;
      const write = async () => {
        await (enrollment
          ? db.$transaction([flag, db.enrollment.updateMany({ where: { workflowId: req.workflowId }, data: enrollment })])
          : flag);
      };
      await unlessLeadGone(db, req.leadId, write, () => undefined);
    },

    /** Score, stall and last engagement as the journey sees them, for lists and the funnel. */
    async syncEnrollment(req: EnrollmentSync): Promise<void> {
      await db.enrollment.updateMany({
        where: { workflowId: req.workflowId },
        data: {
          score: req.score,
          stalled: req.stalled,
          lastEngagementAt: req.lastEngagementAt ? new Date(req.lastEngagementAt) : null,
        },
      });
      if (!req.stalled)
        await db.leadFlag.updateMany({
          where: { workflowId: req.workflowId, kind: 'stalled', clearedAt: null },
          data: { clearedAt: new Date() },
        });
    },

    /** A new run of a re-enrollable journey: its enrollment row is active again (or at last, if still pending). */
    async recordJourneyStart(req: { workflowId: string; campaignVersion: string }): Promise<void> {
      await db.enrollment.updateMany({
        where: { workflowId: req.workflowId, status: { not: 'active' } },
        data: { status: 'active', campaignVersion: req.campaignVersion, endedAt: null, stalled: false, score: 0, stage: null },
      });
    },

    async recordJourneyEnd(req: { workflowId: string; status: JourneyEndKind; reason: string; at?: string }): Promise<void> {
      await db.enrollment.updateMany({
        where: { workflowId: req.workflowId },
        data: { status: req.status, endedAt: req.at ? new Date(req.at) : new Date() },
      });
    },
  };
}
