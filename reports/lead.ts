// One lead and everything Nurture holds about it, read once and turned into one timeline: the
// admin API (GET /api/leads/:id) and the dashboard's lead page both show it. Read from
// PostgreSQL only; what the journey will do next is asked of the journey by the caller.
import type { Db } from '../infra/db.ts';

/** Per kind, the most recent rows read: a lead with years of opens still loads fast. */
const TIMELINE_LIMIT = 500;

export type LeadRecord = NonNullable<Awaited<ReturnType<typeof loadLeadRecord>>>;

export async function loadLeadRecord(db: Db, id: string) {
  const recent = { where: { leadId: id }, take: TIMELINE_LIMIT } as const;
  const [lead, enrollments, messages, events, stageChanges, flags, notifications, discounts] = await Promise.all([
    db.lead.findUnique({ where: { id } }),
    db.enrollment.findMany({ where: { leadId: id }, orderBy: { enrolledAt: 'asc' } }),
    db.sentMessage.findMany({ ...recent, orderBy: { claimedAt: 'desc' } }),
    // Settled events only: a pending one may still be dropped (api/engagement.ts).
    db.engagementEvent.findMany({ ...recent, where: { leadId: id, pendingSince: null }, orderBy: { occurredAt: 'desc' } }),
    db.stageChange.findMany({ ...recent, orderBy: { occurredAt: 'desc' } }),
    db.leadFlag.findMany({ ...recent, orderBy: { createdAt: 'desc' } }),
    db.salesNotification.findMany({ ...recent, orderBy: { createdAt: 'desc' } }),
    db.discountCode.findMany({ where: { leadId: id } }),
  ]);
  if (!lead) return undefined;
  const suppression = await db.suppression.findUnique({ where: { email: lead.email } });
  return { lead, enrollments, messages, events, stageChanges, flags, notifications, discounts, suppression };
}

export type LeadTimelineEntry =
  | {
      at: Date;
      kind: 'message';
      id: string;
      campaignId: string;
      stepKey: string;
      templateId: string;
      stage: string | null;
      subject: string | null;
      status: string;
      reason: string | null;
    }
  | {
      at: Date;
      kind: 'event';
      type: string;
      eventId: string;
      campaignId: string | null;
      templateId: string | null;
      data: unknown;
    }
  | { at: Date; kind: 'stage_change'; campaignId: string; from: string | null; to: string; reason: string; actor: string }
  | { at: Date; kind: 'flag'; campaignId: string; flag: string; stage: string | null; reason: string; cleared: boolean }
  | { at: Date; kind: 'notification'; campaignId: string; status: string; reason: string; target: string }
  | { at: Date; kind: 'discount'; campaignId: string; code: string; percent: number; expiresAt: Date; redeemedAt: Date | null };

/** Everything that happened to the lead, oldest first. */
export function leadTimeline(r: LeadRecord): LeadTimelineEntry[] {
  const entries: LeadTimelineEntry[] = [
    ...r.messages.map((m) => ({
      at: m.sentAt ?? m.claimedAt,
      kind: 'message' as const,
      id: m.id,
      campaignId: m.campaignId,
      stepKey: m.stepKey,
      templateId: m.templateId,
      stage: m.stage,
      subject: m.subject,
      status: m.status,
      reason: m.reason,
    })),
    ...r.events.map((e) => ({
      at: e.occurredAt,
      kind: 'event' as const,
      type: e.type,
      eventId: e.eventId,
      campaignId: e.campaignId,
      templateId: e.templateId,
      data: e.data,
    })),
    ...r.stageChanges.map((c) => ({
      at: c.occurredAt,
      kind: 'stage_change' as const,
      campaignId: c.campaignId,
      from: c.fromStage,
      to: c.toStage,
      reason: c.reason,
      actor: c.actor,
    })),
    ...r.flags.flatMap((f) => {
      const flag = { kind: 'flag' as const, campaignId: f.campaignId, flag: f.kind, stage: f.stage, reason: f.reason };
      return [
        { ...flag, at: f.createdAt, cleared: false },
        ...(f.clearedAt ? [{ ...flag, at: f.clearedAt, cleared: true }] : []),
      ];
    }),
    ...r.notifications.map((n) => ({
      at: n.createdAt,
      kind: 'notification' as const,
      campaignId: n.campaignId,
      status: n.status,
      reason: n.reason,
      target: n.target,
    })),
    ...r.discounts.map((d) => ({
      at: d.createdAt,
      kind: 'discount' as const,
      campaignId: d.campaignId,
      code: d.code,
      percent: d.percent,
      expiresAt: d.expiresAt,
      redeemedAt: d.redeemedAt,
    })),
  ];
  return entries.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** The lead's highest score and whether any running journey is stalled. */
export function leadStanding(enrollments: Array<{ score: number; stalled: boolean; status: string }>) {
  return {
    score: enrollments.reduce((max, e) => Math.max(max, e.score), 0),
    stalled: enrollments.some((e) => e.stalled && e.status === 'active'),
  };
}
